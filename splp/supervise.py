"""supervisord event listener of `make run` (splp/supervisord.conf): never half a system.

- A process that exits is restarted by supervisord, but what it had started lives on: the worker of a
  killed Granian keeps serving beside the new one (a Celery worker started with --beat leaves its beat
  the same way). supervisord starts each program in its own process group, so on PROCESS_STATE_EXITED
  this kills what is left of that group.
- A process that keeps failing to start ends FATAL, and supervisord would carry on with the others (a
  portal without its worker, or the reverse). On PROCESS_STATE_FATAL this names the process and asks
  supervisord to stop every process and exit (SIGTERM).
"""

import os
import signal
import sys
from pathlib import Path

from supervisor import childutils

FAILED_MARKER = "make-run.failed"


def main():
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        process = childutils.get_headers(payload)
        if headers["eventname"] == "PROCESS_STATE_EXITED":
            try:
                os.killpg(int(process["pid"]), signal.SIGKILL)
            except ProcessLookupError:
                pass  # it took its children with it
        else:
            print(
                f"SPLP: process '{process['processname']}' could not be started (see its output above); "
                "stopping all processes.",
                file=sys.stderr,
                flush=True,
            )
            Path(os.environ["SPLP_VAR_DIR"], FAILED_MARKER).write_text(process["processname"])
            os.kill(os.getppid(), signal.SIGTERM)
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
