#!/usr/bin/env python
"""CPU cost per call of masking the request log's path and query (access/logmask.py), in-process.

One masking per call (the gateway masks once, when the call is logged): a matched operation with one path
parameter, without a query and with a two-parameter query, and an unmatched four-segment path.
Prints numbers; asserts nothing.

Usage: .venv/bin/python bench/logmask.py [--calls 200000]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from access.gateway import _operation  # noqa: E402
from access.logmask import CallPath  # noqa: E402

NIK = "7472010000000001"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200_000)
    calls = parser.parse_args().calls
    operation = _operation(1, "GET", "/v1/penduduk/{nik}")
    cases = {
        "operation, no query": (CallPath("/gateway/data", [], operation, (NIK,)), ""),
        "operation, 2 query parameters": (CallPath("/gateway/data", [], operation, (NIK,)), f"nik={NIK}&fields=nama"),
        "no operation, 4 segments": (CallPath("/gateway/data", ["v1", "x", "penduduk", NIK]), ""),
    }
    for label, (call_path, query) in cases.items():
        started = time.process_time()
        for _ in range(calls):
            call_path.masked(query)
        print(f"{label:32} {(time.process_time() - started) / calls * 1e6:6.2f} us CPU per call")


if __name__ == "__main__":
    main()
