"""`run_training`: validate the params, pick single-process or torchrun, map failures to protocol errors."""

from __future__ import annotations

import threading
from typing import Callable

from ..errors import WorkerFailure, missing_dependency

OOM_ADVICE = (
    "CUDA ran out of memory during training. Try a smaller micro_batch_size (with a larger "
    "gradient_accumulation_steps to keep the effective batch), gradient_checkpointing: true, "
    'precision "int8", or a smaller max_length.'
)


def run_training(params: dict, emit: Callable[[str, dict], None], stop_event: threading.Event) -> dict:
    """Run PROTOCOL.md's `train` request. `emit(type, fields)` sends events; setting `stop_event`
    (cancel) stops before the next optimizer step with a checkpoint and returns status "cancelled".
    Raises WorkerFailure for expected failures (invalid_params, dataset_error, not_found, cuda_oom,
    missing_dependency)."""
    from .params import parse_train_params

    parsed, warnings = parse_train_params(params)
    for warning in warnings:
        emit("log", {"level": "warn", "message": warning})
    for package in ("torch", "transformers", "peft"):
        try:
            __import__(package)
        except ImportError as error:
            raise missing_dependency(package, "Training") from error
    if parsed.hyperparameters.gpus > 1:
        from .distributed import run_distributed

        return run_distributed(parsed, emit, stop_event)

    import torch

    from .loop import Trainer

    try:
        return Trainer(parsed, emit, stop_event).run()
    except torch.cuda.OutOfMemoryError as error:
        raise WorkerFailure("cuda_oom", f"{OOM_ADVICE} ({str(error).splitlines()[0] if str(error) else 'out of memory'})") from error
