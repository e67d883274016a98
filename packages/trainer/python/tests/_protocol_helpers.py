"""Helpers of the protocol and blending tests: a real worker subprocess, transcript replay, tiny models.

Transcript replay (the TS tests replay the same files): lines are processed in order; an `in` line is
written to the worker's stdin, an `out` line must equal the NEXT message the worker sends, where
`"<any>"` matches any value (null included), `"<number>"` any JSON number and `"<string>"` any string.
Objects must have exactly the same keys, arrays the same length.
"""

from __future__ import annotations

import json
import math
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

PYTHON_DIR = Path(__file__).resolve().parents[1]
TRANSCRIPTS_DIR = PYTHON_DIR.parent / "fixtures" / "transcripts"
WILDCARDS = ("<any>", "<number>", "<string>")


def match(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Differences between a transcript message (with wildcards) and an actual one; empty when they match."""
    if expected == "<any>":
        return []
    if expected == "<number>":
        ok = isinstance(actual, (int, float)) and not isinstance(actual, bool) and math.isfinite(actual)
        return [] if ok else [f"{path}: expected a number, got {actual!r}"]
    if expected == "<string>":
        return [] if isinstance(actual, str) else [f"{path}: expected a string, got {actual!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        problems = [f"{path}: missing key {key!r}" for key in expected if key not in actual]
        problems += [f"{path}: unexpected key {key!r}" for key in actual if key not in expected]
        for key in expected:
            if key in actual:
                problems += match(expected[key], actual[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected a list of {len(expected)}, got {actual!r}"]
        problems = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problems += match(want, got, f"{path}[{index}]")
        return problems
    same_type = isinstance(expected, bool) == isinstance(actual, bool) and (expected is None) == (actual is None)
    if not same_type or expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def load_transcript(name: str) -> list[dict[str, Any]]:
    with open(TRANSCRIPTS_DIR / name, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def transcript_names() -> list[str]:
    return sorted(path.name for path in TRANSCRIPTS_DIR.glob("*.jsonl"))


def worker_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PYTHON_DIR), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    # Tiny models: one thread is fastest and avoids OpenMP spin-waits on a busy 2-core test machine.
    env.setdefault("OMP_NUM_THREADS", "1")
    env.update(extra or {})
    return env


class WorkerProcess:
    """`python -m tonekit_worker` with its stdout lines in a queue and its stderr collected."""

    def __init__(
        self,
        *,
        cwd: str | os.PathLike | None = None,
        env: dict[str, str] | None = None,
        argv: list[str] | None = None,
        fake_training: bool = True,
    ):
        # The fake worker is the real server with a deterministic `train` (tonekit_worker.testing).
        module = "tonekit_worker.testing.fake_worker" if fake_training else "tonekit_worker"
        self.process = subprocess.Popen(
            argv or [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env if env is not None else worker_env(),
        )
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._stderr: list[bytes] = []
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()

    def _pump_stdout(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _pump_stderr(self) -> None:
        for line in self.process.stderr:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(json.dumps(message).encode("utf-8") + b"\n")

    def send_raw(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def close_stdin(self) -> None:
        self.process.stdin.close()

    def receive_line(self, timeout: float = 60) -> bytes | None:
        """The next stdout line, or None at end of output."""
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the worker sent nothing for {timeout} s; stderr:\n{self.stderr[-3000:]}") from None

    def receive(self, timeout: float = 60) -> dict[str, Any]:
        line = self.receive_line(timeout)
        if line is None:
            raise AssertionError(f"the worker closed its output; stderr:\n{self.stderr[-3000:]}")
        try:
            return json.loads(line)
        except ValueError:
            raise AssertionError(f"the worker sent a line that is not JSON: {line!r}") from None

    def wait(self, timeout: float = 30) -> int:
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass


def replay(worker: WorkerProcess, entries: list[dict[str, Any]], timeout: float = 60) -> list[dict[str, Any]]:
    """Replay a transcript; returns the actual `out` messages. Fails at the first mismatch."""
    received: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        if entry["dir"] == "in":
            worker.send(entry["message"])
            continue
        actual = worker.receive(timeout)
        problems = match(entry["message"], actual)
        if problems:
            raise AssertionError(
                f"transcript line {index + 1}: the worker sent\n  {json.dumps(actual)[:2000]}\nexpected\n  "
                f"{json.dumps(entry['message'])[:2000]}\n" + "\n".join(problems) + f"\nstderr:\n{worker.stderr[-3000:]}"
            )
        received.append(actual)
    return received


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


# --- tiny models --------------------------------------------------------------------------------

#: Two LoRA adapters with different targets, ranks and seeds; B is random (init_lora_weights=False),
#: so each really changes the logits.
ADAPTERS = {
    "adapter-a": {"seed": 11, "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]},
    "adapter-b": {"seed": 22, "r": 2, "lora_alpha": 4, "target_modules": ["k_proj", "o_proj", "down_proj"]},
}


def write_tiny_models(root: Path) -> dict[str, Path]:
    """`root/tiny-llama` (tonekit_worker.testing's random Llama) and two random LoRA adapters on it."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from tonekit_worker.testing.tiny_llama import write_tiny_llama

    model_dir = write_tiny_llama(root / "tiny-llama", seed=0)
    paths = {"model": model_dir}
    for name, spec in ADAPTERS.items():
        base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
        config = LoraConfig(
            r=spec["r"],
            lora_alpha=spec["lora_alpha"],
            target_modules=spec["target_modules"],
            lora_dropout=0.0,
            init_lora_weights=False,
            task_type="CAUSAL_LM",
        )
        torch.manual_seed(spec["seed"])
        peft_model = get_peft_model(base, config)
        with torch.no_grad():
            # Random B at LoRA's usual init scale is tiny against a random base; scale it so the adapters'
            # log-probabilities differ from the base's by far more than the 1e-5 the tests resolve.
            for module_name, parameter in peft_model.named_parameters():
                if "lora_B" in module_name:
                    parameter.mul_(4.0)
        peft_model.save_pretrained(root / name)
        paths[name] = root / name
    return paths
