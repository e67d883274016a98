"""A deterministic stand-in for the worker's `train` method, for protocol tests and transcripts.

`python -m tonekit_worker.testing.fake_worker` serves the real protocol (the same server, channel and
blending methods) with `train` replaced by `fake_run_training`, so a transcript can start a run, see
its events and cancel it mid-way without torch and without timing races.
"""

from __future__ import annotations

import os
import threading

from ..server import Emit


def fake_run_training(params: dict, emit: Emit, stop_event: threading.Event) -> dict:
    """A deterministic stand-in for `run_training`, served by `python -m tonekit_worker.testing.fake_worker`.

    It reads `params["fake"]`: `steps` (default 3), `pause_after_step` (after that step's `step-end`,
    wait for a stop up to 60 s, so a transcript can cancel "mid-way" without a race) and
    `fail_at_step` (raise RuntimeError at that step). Each step prints to stdout from Python and from
    the fd level, which must land on stderr and never on the protocol channel.
    """
    fake = params.get("fake") or {}
    steps = int(fake.get("steps", 3))
    pause_after = fake.get("pause_after_step")
    fail_at = fake.get("fail_at_step")
    output_dir = str(params.get("output_dir", "run"))
    emit(
        "train-start",
        {
            "total_steps": steps,
            "steps_per_epoch": steps,
            "start_step": 0,
            "train_examples": 8,
            "validation_examples": 0,
            "train_tokens": 800,
        },
    )
    step = 0
    loss = None
    while step < steps:
        if stop_event.is_set():
            break
        step += 1
        if fail_at == step:
            raise RuntimeError(f"fake training failed at step {step}")
        print(f"fake training: step {step} (print)")
        os.write(1, f"fake training: step {step} (fd 1)\n".encode())
        loss = 3.0 - 0.25 * step
        emit(
            "step-end",
            {
                "step": step,
                "total_steps": steps,
                "epoch": step / steps,
                "loss": loss,
                "learning_rate": 0.0002,
                "beta1": 0.9,
                "tokens": 100,
                "tokens_per_second": 1000.0,
            },
        )
        if pause_after == step:
            stop_event.wait(60)
    status = "cancelled" if step < steps else "succeeded"
    emit("checkpoint-save", {"step": step, "path": f"{output_dir}/checkpoints/step-{step}"})
    return {
        "status": status,
        "steps": step,
        "final_loss": loss,
        "validation_loss": None,
        "adapter_dir": f"{output_dir}/adapter",
        "gguf_adapter_path": None,
        "merged_dir": None,
        "peak_memory_bytes": None,
    }
