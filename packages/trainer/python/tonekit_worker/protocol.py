"""The wire: a private JSON Lines channel on stdin and a duplicate of fd 1 (PROTOCOL.md).

torch, transformers and their native libraries print to stdout (progress bars, warnings, C++ logs).
One stray line on the protocol stream would desynchronize the driver, so `open_stdio_channel` takes
fd 0 and fd 1 for itself and points the process's fd 1 at stderr (and fd 0 at /dev/null, so a library
that reads stdin cannot swallow requests). Everything the worker sends goes through `Channel.send`,
one complete line at a time under a lock, because events come from the main thread while control
answers come from the reader thread.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable


class ChannelClosed(Exception):
    """The driver stopped reading (broken pipe): nobody is left to answer."""


class MalformedRequest(Exception):
    """A line that is not a request. `request_id` is set when the line had a usable id to answer."""

    def __init__(self, message: str, request_id: int | str | None = None):
        super().__init__(message)
        self.message = message
        self.request_id = request_id


@dataclass(frozen=True)
class Request:
    """`{"id": ..., "method": ..., "params": {...}}`; `params` defaults to `{}` when absent."""

    id: int | str
    method: str
    params: dict[str, Any]


def parse_request(line: bytes | str) -> Request:
    """Parse one line from the driver, or raise `MalformedRequest` saying what is wrong with it."""
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedRequest(f"a request line is not valid JSON: {error}") from error
    if not isinstance(message, dict):
        raise MalformedRequest(f"a request must be a JSON object; got {type(message).__name__}")
    request_id = message.get("id")
    # bool is an int subclass in Python; a JSON `true` id is a driver bug, not id 1.
    if isinstance(request_id, bool) or not isinstance(request_id, (int, str)):
        raise MalformedRequest(f"a request needs an integer or string `id`; got {request_id!r}")
    method = message.get("method")
    if not isinstance(method, str) or not method:
        raise MalformedRequest(f"request {request_id!r} needs a string `method`", request_id)
    params = message.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise MalformedRequest(f"`params` of {method} must be a JSON object; got {type(params).__name__}", request_id)
    return Request(id=request_id, method=method, params=params)


def _json_default(value: Any) -> Any:
    # numpy and torch scalars (a loss read with `.item()` forgotten) and small arrays: their Python values.
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        return value.item()
    if hasattr(value, "tolist") and callable(value.tolist):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _without_non_finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _without_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_non_finite(item) for item in value]
    return value


def encode_message(message: dict[str, Any]) -> bytes:
    """One JSON line, UTF-8, no spaces. NaN/Infinity become null: they are not JSON and the driver's
    parser would reject the whole line (PROTOCOL.md: "NaN/Infinity are never sent")."""
    try:
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default)
    except ValueError:
        text = json.dumps(
            _without_non_finite(json.loads(json.dumps(message, default=_json_default))),
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
        print(f"tonekit_worker: replaced a non-finite number with null in {text[:200]}", file=sys.stderr)
    return text.encode("utf-8") + b"\n"


class Channel:
    """Reads request lines from `reader`; writes whole messages to `writer`, thread-safe."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO):
        self._reader = reader
        self._writer = writer
        self._lock = threading.Lock()
        self._closed = False
        self.on_closed: Callable[[], None] | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def send(self, message: dict[str, Any]) -> None:
        """Write `message` as one line and flush. Serialization errors raise before anything is written.

        After the driver is gone (broken pipe) messages are dropped, and `on_closed` runs once so the
        server can stop: raising into a training loop because its progress event has no reader would
        lose the checkpoint that a cancel saves.
        """
        data = encode_message(message)
        with self._lock:
            if self._closed:
                return
            try:
                self._writer.write(data)
                self._writer.flush()
            except (BrokenPipeError, ConnectionResetError, ValueError, OSError) as error:
                self._closed = True
                print(f"tonekit_worker: the protocol channel closed ({error}); stopping.", file=sys.stderr)
                callback = self.on_closed
            else:
                return
        if callback is not None:
            callback()

    def read_lines(self):
        """Yield non-blank lines from the driver until end of input."""
        while True:
            try:
                line = self._reader.readline()
            except (OSError, ValueError):
                return
            if not line:
                return
            if line.strip():
                yield line


def open_stdio_channel() -> Channel:
    """Take the process's stdin/stdout for the protocol and send stray output to stderr.

    Done at the file-descriptor level, not by swapping `sys.stdout`, because native code (CUDA, C++
    loggers, tqdm writing through a saved reference) writes to fd 1 directly. The private descriptors
    from `os.dup` are not inheritable, so child processes (a GGUF converter) cannot hold the pipes open.
    """
    sys.stdout.flush()
    protocol_out = os.dup(1)
    protocol_in = os.dup(0)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    # stdout now reaches stderr; line buffering interleaves library prints with stderr in order.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    reader = os.fdopen(protocol_in, "rb", buffering=io.DEFAULT_BUFFER_SIZE)
    writer = os.fdopen(protocol_out, "wb", buffering=io.DEFAULT_BUFFER_SIZE)
    return Channel(reader, writer)


def start_reader(
    channel: Channel,
    on_line: Callable[[bytes], None],
    on_end: Callable[[], None],
) -> threading.Thread:
    """Read requests on a daemon thread: control methods must be answered while the main thread is busy
    training. `on_end` runs once at end of input (the driver closed stdin or died)."""

    def run() -> None:
        try:
            for line in channel.read_lines():
                try:
                    on_line(line)
                except Exception as error:  # noqa: BLE001 - one bad line must not stop the reader
                    print(f"tonekit_worker: failed to handle a request line: {error!r}", file=sys.stderr)
        finally:
            on_end()

    thread = threading.Thread(target=run, name="tonekit-protocol-reader", daemon=True)
    thread.start()
    return thread
