"""Test helpers that ship with the worker: tiny random models written at test time (nothing is downloaded).

`write_tiny_llama` lives in `tonekit_worker.testing.tiny_llama` (also runnable with `python -m`); it is
re-exported lazily so `python -m tonekit_worker.testing.tiny_llama` does not import the module twice.
"""

__all__ = ["write_tiny_llama"]


def __getattr__(name: str):
    if name == "write_tiny_llama":
        from .tiny_llama import write_tiny_llama

        return write_tiny_llama
    raise AttributeError(name)
