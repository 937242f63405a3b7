"""The demo Pemda presets `seed_demo` loads (directory/demo.py), as plain data.

Here rather than in directory/ because settings read them: SPLP_PEMDA_PRESET picks one, and its time zone is
the installation's default time zone (SPLP_TIME_ZONE). The domain and the regulation are those of each
Pemda's SPLP regulation (docs/regulation.md); the people, NIPs and addresses are fictional.
"""

DEFAULT_PEMDA = "kota-baubau"

PEMDA_PRESETS = {
    "kota-baubau": {
        "name": "Kota Baubau",
        "dinas_name": "Dinas Komunikasi dan Informatika Kota Baubau",
        # Perwali Baubau 32/2024, Pasal 9: "melalui log di domain spl.baubaukota.go.id".
        "domain": "spl.baubaukota.go.id",
        "logo_text": "SPLP Baubau",
        "mail_domain": "baubaukota.go.id",
        "phone_prefix": "(0402)",
        "region_code": "7472",
        "district": "Wolio",
        "coordinates": {"lintang": -5.4667, "bujur": 122.6167},
        "time_zone": "Asia/Makassar",  # WITA
        "identity": {
            "head_of_region_title": "wali_kota",
            "head_of_region_name": "H. Muhammad Contoh, S.H., M.H.",
            "kepala_dinas_name": "Drs. La Ode Contoh, M.Si.",
            "kepala_dinas_rank": "Pembina Utama Muda (IV/c)",
            "kepala_dinas_nip": "197001011995031001",
            "dinas_address": "Jl. Contoh Raya No. 1, Kelurahan Wale, Kecamatan Wolio, Kota Baubau, "
                             "Sulawesi Tenggara 93717",
            "splp_regulation": "Peraturan Wali Kota Baubau Nomor 32 Tahun 2024 tentang Pengelolaan Sistem "
                               "Penghubung Layanan Pemerintah",
            "document_place": "Baubau",
        },
        "logo_colour": (0, 82, 155),
        # "Ditetapkan ... pada tanggal 16 April 2024": the demo's policy register lists the regulation with it.
        "splp_regulation_issued": "2024-04-16",
    },
    "kabupaten-bungo": {
        "name": "Kabupaten Bungo",
        "dinas_name": "Dinas Komunikasi dan Informatika Kabupaten Bungo",
        # Perbup Bungo 28/2024, Pasal 9: "melalui log di domain splp.bungokab.go.id".
        "domain": "splp.bungokab.go.id",
        "logo_text": "SPLP Bungo",
        "mail_domain": "bungokab.go.id",
        "phone_prefix": "(0747)",
        "region_code": "1508",
        "district": "Muara Bungo",
        "coordinates": {"lintang": -1.4903, "bujur": 102.1144},
        "time_zone": "Asia/Jakarta",  # WIB
        "identity": {
            "head_of_region_title": "bupati",
            "head_of_region_name": "H. Ahmad Contoh, S.Sos., M.Si.",
            "kepala_dinas_name": "Ir. Budi Contoh, M.T.",
            "kepala_dinas_rank": "Pembina Tingkat I (IV/b)",
            "kepala_dinas_nip": "197505152000121002",
            "dinas_address": "Jl. Contoh No. 2, Kecamatan Pasar Muara Bungo, Kabupaten Bungo, Jambi 37211",
            "splp_regulation": "Peraturan Bupati Bungo Nomor 28 Tahun 2024 tentang Sistem Penghubung Layanan "
                               "Pemerintah Kabupaten Bungo",
            "document_place": "Muara Bungo",
        },
        "logo_colour": (0, 122, 61),
        "splp_regulation_issued": "2024-08-15",
    },
}
