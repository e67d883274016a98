"""Checks of request params: a wrong type is `invalid_params` with the field named, not a TypeError
deep inside transformers reported as `internal`."""

from __future__ import annotations

from typing import Any

from ..errors import WorkerFailure


def invalid(method: str, message: str) -> WorkerFailure:
    return WorkerFailure("invalid_params", f"{method}: {message}")


def string(params: dict[str, Any], key: str, method: str) -> str:
    """A required non-empty string."""
    value = params.get(key)
    if value is None:
        raise invalid(method, f"`{key}` is required")
    if not isinstance(value, str) or value == "":
        raise invalid(method, f"`{key}` must be a non-empty string; got {value!r}")
    return value


def text(params: dict[str, Any], key: str, method: str) -> str:
    """A string that may be empty (text to tokenize)."""
    value = params.get(key)
    if not isinstance(value, str):
        raise invalid(method, f"`{key}` must be a string; got {value!r}")
    return value


def boolean(params: dict[str, Any], key: str, method: str, default: bool) -> bool:
    value = params.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(method, f"`{key}` must be true or false; got {value!r}")
    return value


def choice(params: dict[str, Any], key: str, method: str, choices: tuple[str, ...], default: str) -> str:
    value = params.get(key, default)
    if value is None:
        return default
    if value not in choices:
        raise invalid(method, f"`{key}` must be one of {', '.join(choices)}; got {value!r}")
    return value


def token_ids(value: Any, what: str, method: str, size: int, *, allow_empty: bool) -> list[int]:
    """A list of token ids in [0, size)."""
    if not isinstance(value, list):
        raise invalid(method, f"{what} must be a list of token ids; got {type(value).__name__}")
    if not value and not allow_empty:
        raise invalid(method, f"{what} must hold at least one token")
    for token in value:
        if isinstance(token, bool) or not isinstance(token, int) or not 0 <= token < size:
            raise invalid(method, f"{what} holds {token!r}, which is not a token id of this model (0 to {size - 1})")
    return value
