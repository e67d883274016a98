"""Multi-GPU goes through torchrun: the command line and the event relay (no GPUs here to run it)."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from tonekit_worker.errors import WorkerFailure
from tonekit_worker.training.distributed import EventRelay, EventWriter, build_torchrun_command, run_distributed
from tonekit_worker.training.params import parse_train_params


def test_torchrun_command():
    command = build_torchrun_command(4, "/run/distributed/params.json", "/run/distributed/events.jsonl", python="/venv/bin/python")
    assert command == [
        "/venv/bin/python", "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "4",
        "-m", "tonekit_worker.training.distributed_entry",
        "--params", "/run/distributed/params.json", "--events", "/run/distributed/events.jsonl",
    ]
    assert build_torchrun_command(2, "p", "e")[0] == sys.executable
    with pytest.raises(ValueError):
        build_torchrun_command(1, "p", "e")


def test_relay_reads_only_complete_lines(tmp_path):
    path = tmp_path / "events.jsonl"
    relay = EventRelay(path)
    assert relay.poll() == []
    with open(path, "w") as handle:
        handle.write(json.dumps({"type": "step-end", "step": 1}) + "\n" + '{"type": "step-e')
    assert relay.poll() == [{"type": "step-end", "step": 1}]
    with open(path, "a") as handle:
        handle.write('nd", "step": 2}\n')
    assert relay.poll() == [{"type": "step-end", "step": 2}]
    assert relay.poll() == []


class FakeTorchrun:
    """Plays rank 0: writes the events file over a few polls, as the real ranks would."""

    def __init__(self, events_path: Path, records: list[dict], exit_code: int = 0):
        self.events_path, self.records, self.exit_code = events_path, list(records), exit_code
        self.returncode = None
        self.writer = None

    def poll(self):
        if self.writer is None:
            self.writer = EventWriter(self.events_path)
        if self.records:
            self.writer.write(self.records.pop(0))
            return None
        self.writer.close()
        self.returncode = self.exit_code
        return self.returncode


def _launch_with(records, exit_code=0, seen=None):
    def launch(command, env):
        if seen is not None:
            seen.update(command=command, env=env)
        events_path = Path(command[command.index("--events") + 1])
        return FakeTorchrun(events_path, records, exit_code)

    return launch


def _params(tmp_path, gpus=2):
    params, _ = parse_train_params({"base_model": "m", "train_file": "t.jsonl", "output_dir": str(tmp_path / "run"), "gpus": gpus})
    return params


def test_run_distributed_relays_rank_zero_events_and_returns_the_result(tmp_path):
    result = {"status": "succeeded", "steps": 2}
    records = [
        {"type": "train-start", "total_steps": 2, "steps_per_epoch": 2, "start_step": 0},
        {"type": "step-end", "step": 1, "loss": 2.5},
        {"type": "step-end", "step": 2, "loss": 2.0},
        {"type": "result", "result": result},
    ]
    emitted, seen = [], {}
    got = run_distributed(_params(tmp_path), lambda kind, fields: emitted.append((kind, fields)), threading.Event(),
                          launch=_launch_with(records, seen=seen), poll_interval=0)
    assert got == result
    assert [kind for kind, _ in emitted] == ["log", "train-start", "step-end", "step-end"]
    assert emitted[2] == ("step-end", {"step": 1, "loss": 2.5})
    folder = tmp_path / "run" / "distributed"
    assert seen["command"][seen["command"].index("--nproc_per_node") + 1] == "2"
    assert json.loads((folder / "params.json").read_text())["hyperparameters"]["gpus"] == 2
    assert str(Path(__file__).resolve().parents[1]) in seen["env"]["PYTHONPATH"].split(":")


def test_cancel_is_passed_on_as_a_file_and_errors_become_worker_failures(tmp_path):
    stop = threading.Event()
    stop.set()
    records = [{"type": "step-end", "step": 1, "loss": 1.0}, {"type": "error", "code": "cuda_oom", "message": "out of memory"}]
    with pytest.raises(WorkerFailure) as error:
        run_distributed(_params(tmp_path), lambda kind, fields: None, stop, launch=_launch_with(records), poll_interval=0)
    assert error.value.code == "cuda_oom"
    assert (tmp_path / "run" / "distributed" / "cancel").exists()

    with pytest.raises(WorkerFailure) as error:
        run_distributed(_params(tmp_path), lambda kind, fields: None, threading.Event(), launch=_launch_with([], exit_code=1), poll_interval=0)
    assert error.value.code == "internal" and "exited with code 1" in error.value.message
