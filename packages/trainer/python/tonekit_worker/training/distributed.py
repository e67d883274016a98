"""Multi-GPU training through torchrun (`gpus > 1`), relaying rank 0's events to the worker.

The worker does not launch ranks itself: it runs

    python -m torch.distributed.run --standalone --nproc_per_node N \
        -m tonekit_worker.training.distributed_entry --params params.json --events events.jsonl

(`python -m torch.distributed.run` is the `torchrun` console script, started with the worker's own
interpreter so the ranks see the same packages). Each rank runs the ordinary training loop under
DistributedDataParallel (`distributed_entry.py`); rank 0 appends every event as a JSON line to
`events.jsonl`, ending with `{"type": "result", ...}` or `{"type": "error", ...}`. This process tails
that file and calls `emit` for each event. Cancel creates `cancel` next to it; all ranks see it and
stop at the same optimizer step (they agree through an all-reduce), after a checkpoint.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import WorkerFailure
from .params import TrainParams

ENTRY_MODULE = "tonekit_worker.training.distributed_entry"
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def build_torchrun_command(gpus: int, params_path: str | Path, events_path: str | Path, python: str | None = None) -> list[str]:
    """The torchrun command line for `gpus` processes on this machine."""
    if gpus < 2:
        raise ValueError("torchrun is only used for 2 or more GPUs")
    return [
        python or sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        str(gpus),
        "-m",
        ENTRY_MODULE,
        "--params",
        str(params_path),
        "--events",
        str(events_path),
    ]


class EventRelay:
    """Reads the JSON lines appended to an events file since the last poll (an incomplete last line
    waits for the next poll)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.offset = 0
        self.pending = b""

    def poll(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        self.offset += len(chunk)
        data = self.pending + chunk
        lines = data.split(b"\n")
        self.pending = lines.pop()
        return [json.loads(line) for line in lines if line.strip()]


class EventWriter:
    """Rank 0's side: one JSON object per line, flushed at once so the relay sees it."""

    def __init__(self, path: str | Path):
        self.handle = open(path, "a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self.handle.write(json.dumps(record, allow_nan=False) + "\n")
        self.handle.flush()

    def emit(self, event_type: str, fields: dict) -> None:
        self.write({"type": event_type, **fields})

    def close(self) -> None:
        self.handle.close()


def relay_event(record: dict[str, Any], emit: Callable[[str, dict], None]) -> dict[str, Any] | None:
    """Forward one record from the events file; returns the result when it is the final one.
    Raises the WorkerFailure that an `error` record describes."""
    kind = record.get("type")
    if kind == "result":
        return record["result"]
    if kind == "error":
        message = record.get("message", "distributed training failed")
        if record.get("traceback"):
            message = f"{message}\n{record['traceback']}"
        raise WorkerFailure(record.get("code", "internal"), message)
    fields = {key: value for key, value in record.items() if key != "type"}
    emit(kind, fields)
    return None


def run_distributed(
    params: TrainParams,
    emit: Callable[[str, dict], None],
    stop_event: threading.Event,
    *,
    launch: Callable[..., Any] = subprocess.Popen,
    poll_interval: float = 0.25,
) -> dict:
    """Launch torchrun for `params.hyperparameters.gpus` ranks and relay its events until it exits."""
    folder = Path(params.output_dir) / "distributed"
    folder.mkdir(parents=True, exist_ok=True)
    params_path, events_path, cancel_path = folder / "params.json", folder / "events.jsonl", folder / "cancel"
    for stale in (events_path, cancel_path):
        stale.unlink(missing_ok=True)
    params_path.write_text(json.dumps(params.to_dict(), indent=2) + "\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
    command = build_torchrun_command(params.hyperparameters.gpus, params_path, events_path)
    emit("log", {"level": "info", "message": f"multi-GPU training: {' '.join(command)}"})
    # Inherited fds: the worker has already pointed fd 1 at stderr (PROTOCOL.md), so nothing the ranks
    # print can reach the protocol channel, and their errors land in the stderr tail the driver keeps.
    process = launch(command, env=env)
    relay = EventRelay(events_path)
    result = None
    while True:
        finished = process.poll() is not None
        for record in relay.poll():
            outcome = relay_event(record, emit)
            if outcome is not None:
                result = outcome
        if finished:
            break
        if stop_event.is_set() and not cancel_path.exists():
            cancel_path.touch()
        time.sleep(poll_interval)
    if result is None:
        raise WorkerFailure(
            "internal",
            f"torchrun exited with code {process.returncode} without a result; the ranks' errors are in the worker's stderr.",
        )
    return result
