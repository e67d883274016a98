"""Process exit for the worker's entry points (`python -m tonekit_worker` and the test kit's fake)."""

import os
import sys
import threading
from typing import Callable


def run_until_exit(serve: Callable[[], int]) -> None:
    """Runs `serve` and exits with its code, even if a library left a non-daemon thread running."""
    code = serve()
    sys.stdout.flush()
    sys.stderr.flush()
    lingering = [
        thread
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
    ]
    if lingering:
        # A library thread that never ends (a data loader worker, a stuck callback) would keep the
        # process alive after `shutdown` answered; the driver was promised an exit, so leave now.
        names = ", ".join(thread.name for thread in lingering)
        print(f"tonekit_worker: exiting with threads still running: {names}", file=sys.stderr, flush=True)
        os._exit(code)
    sys.exit(code)
