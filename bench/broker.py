#!/usr/bin/env python
"""Benchmark brokers for the embedded default under concurrent producers, as `make run` has them (the web
server, beat and the worker all publish while the worker consumes).

Each candidate gets a fresh folder. PROCS producer processes with THREADS threads each publish MESSAGES
messages apiece (a Celery-sized JSON body with a unique id) while one consumer process takes them off the
queue as the Celery worker does (kombu's virtual-transport get, with ack). Prints per candidate: messages/s
(consumed over the wall time), lost (published but never consumed), duplicates, publish errors, and whether
the consumer survived (and its error if not; kombu issue #1551 kills it on the filesystem transport).

Usage: .venv/bin/python bench/broker.py [--procs 3] [--threads 4] [--messages 300] [--pace 0.05]
       [--only filesystem]
Prints numbers; asserts nothing.
"""

import argparse
import multiprocessing as mp
import random
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from kombu import Connection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUEUE = "bench"
BODY_PAD = "x" * 1200  # a Celery message (headers, args, properties) is about 1.5 kB on the wire


def candidates(folder):
    """name -> (broker URL, transport, transport options) for each candidate, its files under ``folder``."""
    fs = folder / "fs"
    for sub in ("processed", "control"):
        (fs / sub).mkdir(parents=True)
    return {
        # What the embedded default used before (splp/settings.py).
        "filesystem": (
            "filesystem://",
            None,
            {
                "data_folder_in": str(fs),
                "data_folder_out": str(fs),
                "processed_folder": str(fs / "processed"),
                "control_folder": str(fs / "control"),
                "store_processed": False,
            },
        ),
        # kombu's own SQLAlchemy transport, default journal, a 30 s busy timeout.
        "kombu sqla+sqlite": (f"sqla+sqlite:///{folder / 'kombu.sqlite3'}", None, {"connect_args": {"timeout": 30}}),
        # What the embedded default uses now: the same with WAL and splp/broker.py's fixes.
        "splp.broker (sqlite, WAL)": (f"sqlite:///{folder / 'splp.sqlite3'}", "splp.broker:Transport", {}),
    }


def produce(url, transport, options, proc, threads, messages, pace, errors):
    def run(thread):
        with Connection(url, transport=transport, transport_options=options) as conn:
            for i in range(messages):
                try:  # a fresh producer each time, as a web request's publish has
                    with conn.SimpleQueue(QUEUE) as queue:
                        queue.put({"id": f"{proc}-{thread}-{i}", "pad": BODY_PAD})
                    time.sleep(random.uniform(0, 2 * pace))
                except Exception as exc:  # counted and reported, as a failed publish in the web server would be
                    errors.put(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def consume(url, transport, options, expected, producers_done, seen, failure):
    """Take messages until all are seen, or the producers are done and the queue stays empty for 5 s."""
    try:
        with Connection(url, transport=transport, transport_options=options) as conn:
            # Polling often (the worker polls once a second) makes a rare race show within a short run.
            conn.transport.polling_interval = 0.001
            queue = conn.SimpleQueue(QUEUE)
            idle_since = None
            while len(seen) < expected:
                try:
                    message = queue.get(block=True, timeout=0.2)
                except queue.Empty:
                    if not producers_done.is_set():
                        continue
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since > 5:
                        break
                    continue
                idle_since = None
                seen.append(message.payload["id"])
                message.ack()
    except Exception:
        failure.value = traceback.format_exc(limit=1).strip().splitlines()[-1].encode()[:300]


def bench(name, url, transport, options, procs, threads, messages, pace):
    manager = mp.Manager()
    seen, errors = manager.list(), manager.Queue()
    failure = manager.Value(bytes, b"")
    done = mp.Event()
    expected = procs * threads * messages
    consumer = mp.Process(target=consume, args=(url, transport, options, expected, done, seen, failure))
    start = time.monotonic()
    consumer.start()
    producers = [
        mp.Process(target=produce, args=(url, transport, options, p, threads, messages, pace, errors))
        for p in range(procs)
    ]
    for p in producers:
        p.start()
    for p in producers:
        p.join()
    done.set()
    consumer.join()
    elapsed = time.monotonic() - start
    ids = list(seen)
    publish_errors = []
    while not errors.empty():
        publish_errors.append(errors.get())
    published = expected - len(publish_errors)
    lost = published - len(set(ids))
    print(
        f"{name:32} {len(ids) / elapsed:8.0f} msg/s  published {published:6}  consumed {len(set(ids)):6}  "
        f"lost {lost:5}  duplicates {len(ids) - len(set(ids)):4}  publish errors {len(publish_errors):4}  "
        f"consumer {'died: ' + failure.value.decode() if failure.value else 'alive'}"
    )
    for e in sorted(set(publish_errors))[:3]:
        print(f"{'':32} publish error: {e}")
    manager.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--messages", type=int, default=300, help="per thread")
    parser.add_argument(
        "--pace", type=float, default=0.0,
        help="mean seconds a thread waits between messages: a queue kept nearly empty, as in `make run`",
    )
    parser.add_argument("--only", help="run only the candidates whose name starts with this")
    args = parser.parse_args()
    print(f"{args.procs} producer processes x {args.threads} threads x {args.messages} messages, one consumer")
    with tempfile.TemporaryDirectory(prefix="splp-bench-broker-") as tmp:
        for name, (url, transport, options) in candidates(Path(tmp)).items():
            if args.only and not name.startswith(args.only):
                continue
            bench(name, url, transport, options, args.procs, args.threads, args.messages, args.pace)


if __name__ == "__main__":
    main()
