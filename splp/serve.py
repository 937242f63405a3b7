"""The SPLP's HTTP server: Granian serving ``splp.wsgi:application``, in production and in ``make run``.

    python -m splp.serve --host 0.0.0.0 --port 8000 --workers 2

One place for the flags the bus was measured with (bench/gateway.py), so the README, ``make run``, the
bench and the tests start the same server. Any other Granian option may follow (``--help`` lists them,
``GRANIAN_*`` environment variables work too); a repeated option overrides the default given here.
"""

import os
import signal
import sys
import threading

from granian.cli import cli

DEFAULTS = [
    "--interface", "wsgi",
    # HTTP/1.1 only: the SPLP sits behind the Pemda's TLS proxy, so h2c would only add attack surface.
    "--http", "1",
    "--no-ws",
    # Threads per worker running the application: calls wait on upstreams, so more than one per core.
    # bench/gateway.py on 2 cores: 4 workers x 4 threads 9,630 req/s, 3 x 4 8,904, 2 x 8 6,748.
    "--blocking-threads", "4",
]
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
POKE = signal.SIGWINCH  # ignored by default; only used to wake the worker's main thread


def relay_stop_signals():
    """In each Granian worker (forked from this process): make sure a stop signal is acted upon.

    The worker's main thread waits for its stop event without a timeout, and Python runs signal handlers
    only in the main thread, when it wakes. The kernel may hand SIGINT/SIGTERM to any of the worker's
    threads; caught by another one, the handler never runs and the worker keeps serving (Ctrl-C in
    ``make run`` left about one worker in five running). Every caught signal also writes its number to a
    wakeup pipe: a thread reads it and wakes the main thread with a harmless signal, which runs the handlers.
    """
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    signal.signal(POKE, lambda *_: None)
    main = threading.main_thread().ident

    def relay():
        while True:
            if STOP_SIGNALS.intersection(os.read(read_fd, 64)):
                signal.pthread_kill(main, POKE)

    threading.Thread(target=relay, name="splp-signal-relay", daemon=True).start()


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    os.register_at_fork(after_in_child=relay_stop_signals)
    cli([*DEFAULTS, *args, "splp.wsgi:application"], prog_name="splp.serve", auto_envvar_prefix="GRANIAN")


if __name__ == "__main__":
    main()
