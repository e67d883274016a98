"""Errors a method raises to answer with a protocol error code (PROTOCOL.md, "Error codes")."""


class WorkerFailure(Exception):
    """An expected failure with a protocol `code` and a message that tells the user what to do.

    Anything else raised by a method is answered as `internal`, always with its traceback.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def missing_dependency(package: str, purpose: str) -> WorkerFailure:
    """The error for an optional package that is not installed, naming the exact pip command."""
    return WorkerFailure(
        "missing_dependency",
        f"{purpose} needs the Python package '{package}', which is not installed in this interpreter. "
        f"Install it with: python -m pip install {package}  (or run `tonekit trainer setup`).",
    )
