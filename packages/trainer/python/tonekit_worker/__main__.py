"""`python -m tonekit_worker`: serve the protocol on stdin/stdout until `shutdown` or end of input."""

import os
import sys
import threading

from .server import main

if __name__ == "__main__":
    code = main()
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
