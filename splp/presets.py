"""The demo Pemda presets `seed_demo` loads (directory/demo.py), as plain data.

Here rather than in directory/ because settings read them: SPLP_PEMDA_PRESET picks one, and its time zone is
the installation's default time zone (SPLP_TIME_ZONE).
"""

DEFAULT_PEMDA = "kota-baubau"

PEMDA_PRESETS = {
    "kota-baubau": {
        "name": "Kota Baubau",
        "dinas_name": "Dinas Komunikasi dan Informatika Kota Baubau",
        "domain": "splp.baubaukota.go.id",
        "logo_text": "SPLP Baubau",
        "mail_domain": "baubaukota.go.id",
        "phone_prefix": "(0402)",
        "region_code": "7472",
        "district": "Wolio",
        "coordinates": {"lintang": -5.4667, "bujur": 122.6167},
        "time_zone": "Asia/Makassar",  # WITA
    },
    "kabupaten-bungo": {
        "name": "Kabupaten Bungo",
        "dinas_name": "Dinas Komunikasi dan Informatika Kabupaten Bungo",
        "domain": "splp.bungokab.go.id",
        "logo_text": "SPLP Bungo",
        "mail_domain": "bungokab.go.id",
        "phone_prefix": "(0747)",
        "region_code": "1508",
        "district": "Muara Bungo",
        "coordinates": {"lintang": -1.4903, "bujur": 102.1144},
        "time_zone": "Asia/Jakarta",  # WIB
    },
}
