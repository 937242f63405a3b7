#!/usr/bin/env python
"""Load a running SPLP through its REST API: N access-request submit/withdraw cycles as the demo requester.

Every cycle sends notification tasks to the worker (the Dinas is told of a request, and of its withdrawal), so
this is also a soak of the broker and the worker: after it, the worker must still run and the queue drain.

Usage: .venv/bin/python bench/api_cycles.py [--base http://127.0.0.1:8000] [--cycles 200] [--api data-kependudukan]
Prints the elapsed time, cycles per second and failures; asserts nothing.
"""

import argparse
import datetime
import time

import requests


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--api", default="data-kependudukan")
    parser.add_argument("--user", default="requester")
    parser.add_argument("--password", default="demo-password")
    args = parser.parse_args()

    api = f"{args.base.rstrip('/')}/api/v1/"
    session = requests.Session()
    login = session.post(f"{api}auth/token/", data={"username": args.user, "password": args.password}, timeout=10)
    login.raise_for_status()
    session.headers["Authorization"] = f"Token {login.json()['token']}"
    today = datetime.date.today()
    application = {
        "api": args.api, "purpose": "Uji beban alur permohonan.", "legal_basis": "Perpres 39/2019",
        "period_start": today.isoformat(), "period_end": (today + datetime.timedelta(days=30)).isoformat(),
        "expected_daily_volume": 10,
    }
    failures = []
    started = time.perf_counter()
    for _ in range(args.cycles):
        submitted = session.post(f"{api}access-requests/", json=application, timeout=10)
        if submitted.status_code != 201:
            failures.append(("submit", submitted.status_code, submitted.text[:200]))
            continue
        withdrawn = session.post(f"{api}access-requests/{submitted.json()['id']}/withdraw/", json={}, timeout=10)
        if withdrawn.status_code != 200:
            failures.append(("withdraw", withdrawn.status_code, withdrawn.text[:200]))
    elapsed = time.perf_counter() - started
    session.post(f"{api}auth/logout/", timeout=10)
    print(f"{args.cycles} submit/withdraw cycles in {elapsed:.1f} s ({args.cycles / elapsed:.1f} cycles/s), "
          f"{len(failures)} failed")
    for failure in failures[:5]:
        print("  ", *failure)


if __name__ == "__main__":
    main()
