# Django's Indonesian formats, with the zone (T: WIB, WITA or WIT) after every time Django renders by default,
# as the admin does for every date-time field. Templates we write use splp_time's local_datetime instead.
DATETIME_FORMAT = "j N Y, G.i T"
SHORT_DATETIME_FORMAT = "d-m-Y G.i T"
