"""`python -m tonekit_worker`: serve the protocol on stdin/stdout until `shutdown` or end of input."""

from .entry import run_until_exit
from .server import main

if __name__ == "__main__":
    run_until_exit(main)
