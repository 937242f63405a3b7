"""The throwaway PostgreSQL database every benchmark seeds (its name must start with splp_bench)."""

from urllib.parse import urlsplit, urlunsplit


def recreate_database(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("splp_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database's name must start with splp_bench")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
