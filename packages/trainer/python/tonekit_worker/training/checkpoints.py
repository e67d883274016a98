"""Checkpoints in `output_dir/checkpoints/step-<n>`: everything needed to continue bit-for-bit.

    adapter_config.json, adapter_model.safetensors   the PEFT adapter (a usable adapter on its own)
    optimizer.pt, scheduler.pt                       AdamW moments, OneCycleLR position
    rng_state.pt                                     torch CPU/CUDA, Python and NumPy generators
    trainer_state.json                               step, totals, the run's fingerprint, losses

A checkpoint is written into `step-<n>.tmp` and renamed when complete, and `trainer_state.json` is
written last, so a crash mid-save never leaves a folder that looks complete. Only the newest
`KEEP` checkpoints are kept. The data order needs no state: `batching.plan_epoch` rebuilds it.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

KEEP = 2
STATE_FILE = "trainer_state.json"
FORMAT = 1


def checkpoints_dir(output_dir: str | Path) -> Path:
    return Path(output_dir) / "checkpoints"


def checkpoint_path(output_dir: str | Path, step: int) -> Path:
    return checkpoints_dir(output_dir) / f"step-{step}"


def list_checkpoints(output_dir: str | Path) -> list[tuple[int, Path]]:
    """Complete checkpoints, oldest first."""
    folder = checkpoints_dir(output_dir)
    found = []
    if folder.is_dir():
        for child in folder.iterdir():
            if child.is_dir() and child.name.startswith("step-") and child.name[5:].isdigit() and (child / STATE_FILE).is_file():
                found.append((int(child.name[5:]), child))
    return sorted(found)


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    found = list_checkpoints(output_dir)
    return found[-1][1] if found else None


def capture_rng_state() -> dict[str, Any]:
    import numpy as np
    import torch

    numpy_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "python": _python_state_to_lists(random.getstate()),
        "numpy": {
            "name": numpy_state[0],
            "keys": torch.from_numpy(numpy_state[1].astype(np.int64)),
            "pos": int(numpy_state[2]),
            "has_gauss": int(numpy_state[3]),
            "cached_gaussian": float(numpy_state[4]),
        },
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    import numpy as np
    import torch

    torch.set_rng_state(state["torch"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = state["numpy"]
    np.random.set_state(
        (
            numpy_state["name"],
            numpy_state["keys"].numpy().astype(np.uint32),
            numpy_state["pos"],
            numpy_state["has_gauss"],
            numpy_state["cached_gaussian"],
        )
    )
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def _python_state_to_lists(state):
    version, internal, gauss = state
    return [version, list(internal), gauss]


def save_checkpoint(
    output_dir: str | Path,
    step: int,
    peft_model,
    optimizer,
    scheduler,
    trainer_state: dict[str, Any],
    rng_state: dict[str, Any] | None = None,
    keep: int = KEEP,
) -> Path:
    """Write checkpoint `step` atomically and prune older ones; returns its folder."""
    import torch

    final = checkpoint_path(output_dir, step)
    temporary = final.with_name(final.name + ".tmp")
    if temporary.exists():
        shutil.rmtree(temporary)
    temporary.mkdir(parents=True)
    peft_model.save_pretrained(str(temporary), safe_serialization=True)
    torch.save(optimizer.state_dict(), temporary / "optimizer.pt")
    torch.save(scheduler.state_dict(), temporary / "scheduler.pt")
    torch.save(rng_state if rng_state is not None else capture_rng_state(), temporary / "rng_state.pt")
    state = {"format": FORMAT, "global_step": step, **trainer_state}
    (temporary / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    if final.exists():
        shutil.rmtree(final)
    temporary.rename(final)
    prune_checkpoints(output_dir, keep)
    return final


def prune_checkpoints(output_dir: str | Path, keep: int = KEEP) -> None:
    for _, path in list_checkpoints(output_dir)[:-keep]:
        shutil.rmtree(path, ignore_errors=True)


def read_trainer_state(path: str | Path) -> dict[str, Any]:
    return json.loads((Path(path) / STATE_FILE).read_text())


def load_checkpoint(path: str | Path, peft_model, optimizer, scheduler, map_location, rank: int = 0) -> dict[str, Any]:
    """Restore adapter weights, optimizer, scheduler and RNG states from `path`; returns trainer_state.
    A multi-GPU checkpoint stores one RNG state per rank (`{"ranks": [...]}`); `rank` picks ours."""
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    path = Path(path)
    weights = load_file(str(path / "adapter_model.safetensors"), device=str(map_location))
    result = set_peft_model_state_dict(peft_model, weights)
    unexpected = getattr(result, "unexpected_keys", None)
    if unexpected:
        raise RuntimeError(f"checkpoint {path} has unexpected adapter tensors: {unexpected[:3]}")
    # These files are written by this worker into the run folder; weights_only keeps loading safe anyway.
    optimizer.load_state_dict(torch.load(path / "optimizer.pt", map_location=map_location, weights_only=True))
    scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=True))
    rng_path = path / "rng_state.pt"
    if rng_path.is_file():
        rng_state = torch.load(rng_path, weights_only=True)
        if "ranks" in rng_state:
            ranks = rng_state["ranks"]
            rng_state = ranks[rank] if rank < len(ranks) else None
        if rng_state is not None:
            restore_rng_state(rng_state)
    return read_trainer_state(path)
