"""Dispatch of protocol requests (PROTOCOL.md, "Methods").

Two threads:
- the reader thread parses every line and answers the control methods (`ping`, `cancel`, `shutdown`)
  at once, even while a training run holds the main thread for hours;
- the main thread runs the long methods (`train` and the blending methods), one at a time: CUDA work
  and most libraries expect the main thread, and one model in memory at a time is what fits on a GPU.
  A long request that arrives while another runs is answered `busy`, never queued, so the driver
  always knows what the worker is doing.

Ordering guarantees the driver relies on (both threads write through one locked channel):
- a long request's response is written, and the request forgotten, under the state lock: once the
  driver reads it, the next long request is accepted (no `busy` race) and `cancel` of the old id
  answers `{"cancelling": false}`;
- `cancel` answers before it sets the stop event, so `{"cancelling": true}` precedes the request's
  `checkpoint-save` event and its `"status": "cancelled"` response;
- `shutdown` (and end of input) stops the running request first; the main thread answers `shutdown`
  after that request's response, then the worker exits 0.
"""

from __future__ import annotations

import queue
import signal
import sys
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from .capabilities import DEPENDENCIES, ready_params
from .errors import WorkerFailure, missing_dependency
from .protocol import Channel, MalformedRequest, Request, open_stdio_channel, parse_request, start_reader

#: Answered on the reader thread, immediately.
CONTROL_METHODS = ("ping", "cancel", "shutdown")

#: emit(type, fields) sends `{"method": "event", "params": {"request_id": id, "type": type, **fields}}`.
Emit = Callable[[str, dict], None]


@dataclass
class Call:
    """One long request in flight: what its method receives."""

    id: int | str
    method: str
    params: dict[str, Any]
    cancellable: bool
    send: Callable[[dict], None]
    stop_event: threading.Event = field(default_factory=threading.Event)
    finished: bool = False

    def emit(self, event_type: str, fields: dict | None = None) -> None:
        """Send `{"method": "event", "params": {"request_id": id, "type": event_type, **fields}}`."""
        if self.finished:
            # A thread the method left behind: the driver has the response and no longer listens.
            print(f"tonekit_worker: dropped a late {event_type!r} event of request {self.id}", file=sys.stderr)
            return
        extra = {key: value for key, value in (fields or {}).items() if key not in ("request_id", "type")}
        self.send({"method": "event", "params": {"request_id": self.id, "type": event_type, **extra}})

    def log(self, level: str, message: str) -> None:
        """A `log` event: something the user should see."""
        self.emit("log", {"level": level, "message": message})


@dataclass(frozen=True)
class LongMethod:
    run: Callable[[Call], dict]
    #: Whether `run` watches `Call.stop_event`; `cancel` of anything else answers `cancelling: false`.
    cancellable: bool = False


@dataclass(frozen=True)
class _Stop:
    """Queued for the main thread by `shutdown` or end of input."""


def qualified_type_name(error: BaseException) -> str:
    """`RuntimeError`, `torch.OutOfMemoryError`: what the driver shows as `python_type`."""
    kind = type(error)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _is_torch_out_of_memory(error: BaseException) -> bool:
    kind = type(error)
    return kind.__name__ == "OutOfMemoryError" and kind.__module__.split(".")[0] == "torch"


def error_payload(error: BaseException, method: str = "This method") -> dict[str, Any]:
    """`{code, message, python_type, traceback}` for an exception raised by a method.

    WorkerFailure carries its code; `python_type` names its cause when it wraps one (a `cuda_oom`
    raised from torch's OutOfMemoryError reports that type). torch's out-of-memory error is `cuda_oom`
    and an import of a missing dependency is `missing_dependency` wherever they happen, so every method
    gets those right without wrapping. Anything else is `internal`. The traceback is always included.
    """
    typed: BaseException = error
    if isinstance(error, WorkerFailure):
        code, message = error.code, error.message
        if error.__cause__ is not None:
            typed = error.__cause__
    elif _is_torch_out_of_memory(error):
        code, message = "cuda_oom", str(error) or "CUDA ran out of memory."
    elif isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[0] in DEPENDENCIES:
        code, message = "missing_dependency", missing_dependency(error.name.split(".")[0], method).message
    else:
        code, message = "internal", str(error) or type(error).__name__
    return {
        "code": code,
        "message": message,
        "python_type": qualified_type_name(typed),
        "traceback": "".join(traceback.format_exception(error)),
    }


def protocol_error(code: str, message: str) -> dict[str, Any]:
    """An error the protocol layer detects itself (no exception): `python_type` and `traceback` are null."""
    return {"code": code, "message": message, "python_type": None, "traceback": None}


class Server:
    """Serves one driver over `channel` until `shutdown` or end of input; `serve()` returns the exit code."""

    def __init__(self, channel: Channel, *, long_methods: dict[str, LongMethod] | None = None):
        self._channel = channel
        self._long_methods = long_methods if long_methods is not None else default_long_methods()
        # Reentrant: a send that finds the pipe broken calls `_stop` from inside a locked section.
        self._state = threading.RLock()
        self._current: Call | None = None
        self._stopping = False
        self._shutdown_ids: list[int | str] = []
        self._jobs: queue.SimpleQueue[Call | _Stop] = queue.SimpleQueue()
        channel.on_closed = lambda: self._stop(None)

    def serve(self) -> int:
        start_reader(self._channel, self._on_line, lambda: self._stop(None))
        while True:
            job = self._jobs.get()
            if isinstance(job, _Stop):
                with self._state:
                    for request_id in self._shutdown_ids:
                        self._channel.send({"id": request_id, "result": {}})
                return 0
            self._run(job)

    # --- reader thread -------------------------------------------------------------------------

    def _on_line(self, line: bytes) -> None:
        try:
            request = parse_request(line)
        except MalformedRequest as error:
            if error.request_id is None:
                # Nothing to answer to; the driver keeps the stderr tail for its error messages.
                print(f"tonekit_worker: ignored a malformed line: {error.message}", file=sys.stderr)
            else:
                self._answer_error(error.request_id, protocol_error("invalid_params", error.message))
            return
        if request.method == "ping":
            self._channel.send({"id": request.id, "result": {"pong": True}})
        elif request.method == "cancel":
            self._cancel(request)
        elif request.method == "shutdown":
            self._stop(request.id)
        elif request.method in self._long_methods:
            self._accept(request)
        else:
            known = ", ".join([*CONTROL_METHODS, *self._long_methods])
            message = f'unknown method "{request.method}"; this worker (protocol 1) knows: {known}'
            self._answer_error(request.id, protocol_error("unknown_method", message))

    def _accept(self, request: Request) -> None:
        method = self._long_methods[request.method]
        with self._state:
            if self._stopping:
                self._answer_error(request.id, protocol_error("busy", "the worker is shutting down"))
                return
            if self._current is not None:
                running = self._current
                message = (
                    f"{running.method} (request {running.id}) is still running; the worker runs one long "
                    "method at a time (only ping, cancel and shutdown are answered meanwhile)"
                )
                self._answer_error(request.id, protocol_error("busy", message))
                return
            call = Call(
                id=request.id,
                method=request.method,
                params=request.params,
                cancellable=method.cancellable,
                send=self._channel.send,
            )
            self._current = call
            self._jobs.put(call)

    def _cancel(self, request: Request) -> None:
        target = request.params.get("request_id")
        if isinstance(target, bool) or not isinstance(target, (int, str)):
            message = f"cancel needs `request_id`, the id of the request to stop; got {target!r}"
            self._answer_error(request.id, protocol_error("invalid_params", message))
            return
        with self._state:
            current = self._current
            cancelling = current is not None and current.id == target and current.cancellable
            # Answer before stopping: the request's own checkpoint event and response come after.
            self._channel.send({"id": request.id, "result": {"cancelling": cancelling}})
            if cancelling:
                current.stop_event.set()

    def _stop(self, request_id: int | str | None) -> None:
        """`shutdown` (with its id) or end of input / closed channel (None)."""
        with self._state:
            if request_id is not None:
                self._shutdown_ids.append(request_id)
            if self._stopping:
                return
            self._stopping = True
            if self._current is not None:
                self._current.stop_event.set()
            self._jobs.put(_Stop())

    def _answer_error(self, request_id: int | str, error: dict[str, Any]) -> None:
        self._channel.send({"id": request_id, "error": error})

    # --- main thread ---------------------------------------------------------------------------

    def _run(self, call: Call) -> None:
        try:
            result = self._long_methods[call.method].run(call)
            if not isinstance(result, dict):
                raise TypeError(f"{call.method} returned {type(result).__name__}, not a dict")
            response: dict[str, Any] = {"id": call.id, "result": result}
        except Exception as error:  # noqa: BLE001 - every failure becomes an answer, never a dead worker
            response = {"id": call.id, "error": error_payload(error, call.method)}
        with self._state:
            call.finished = True
            self._current = None
            try:
                self._channel.send(response)
            except (TypeError, ValueError) as error:  # a result that is not JSON
                self._channel.send({"id": call.id, "error": error_payload(error, call.method)})


# --- methods ---------------------------------------------------------------------------------------


def _train(call: Call) -> dict:
    from .training import run_training

    return run_training(call.params, call.emit, call.stop_event)


def default_long_methods() -> dict[str, LongMethod]:
    from .blending import BLENDING_METHODS, BlendingService

    service: list[BlendingService] = []

    def blending(method: str) -> LongMethod:
        def run(call: Call) -> dict:
            # Created on first use: the blending package is cheap to import, but its state lives here.
            if not service:
                service.append(BlendingService())
            return service[0].call(method, call.params, log=call.log)

        return LongMethod(run=run)

    methods = {"train": LongMethod(run=_train, cancellable=True)}
    methods.update({name: blending(name) for name in BLENDING_METHODS})
    return methods


def main(long_methods: dict[str, LongMethod] | None = None) -> int:
    """Serves the protocol on this process's stdin/stdout. `long_methods` replaces the default methods
    (the test kit's fake worker swaps `train` for a deterministic stand-in this way)."""
    channel = open_stdio_channel()
    # Ctrl-C in a terminal reaches the whole process group; the driver turns it into `cancel` so the
    # run saves a checkpoint. Dying here on KeyboardInterrupt would lose it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # `ready` first, before the reader starts: nothing else may precede it on the channel.
    channel.send({"method": "ready", "params": ready_params()})
    return Server(channel, long_methods=long_methods).serve()
