"""The `ready` notification: protocol version, interpreter, and what is installed (PROTOCOL.md, "ready").

Versions come from `importlib.metadata`, which reads package metadata without importing anything: the
driver needs `ready` within seconds to tell the user what to `pip install`, and importing
transformers alone takes several. Only the CUDA facts need torch itself, and it is imported only when
its metadata says it is installed.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys
import sysconfig
from typing import Any

from . import PROTOCOL_VERSION, __version__

#: Distribution names reported in `capabilities`, in PROTOCOL.md's order.
DEPENDENCIES = (
    "torch",
    "transformers",
    "peft",
    "accelerate",
    "safetensors",
    "bitsandbytes",
    "gguf",
    "tokenizers",
)


def installed_version(distribution: str) -> str | None:
    """The installed version of `distribution`, or None when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def torch_device_capabilities() -> dict[str, Any]:
    """`cuda` (torch's CUDA version when a GPU is usable, else null), `cuda_devices`, `bf16` (GPU bf16).

    Raises ImportError (or whatever a broken install raises) when torch cannot be imported.
    """
    import torch

    if not torch.cuda.is_available():
        return {"cuda": None, "cuda_devices": 0, "bf16": False}
    return {
        "cuda": torch.version.cuda,
        "cuda_devices": torch.cuda.device_count(),
        "bf16": bool(torch.cuda.is_bf16_supported()),
    }


def ready_params() -> dict[str, Any]:
    """The `params` of the `ready` notification."""
    capabilities: dict[str, Any] = {name: installed_version(name) for name in DEPENDENCIES}
    devices: dict[str, Any] = {"cuda": None, "cuda_devices": 0, "bf16": False}
    if capabilities["torch"] is not None:
        try:
            devices = torch_device_capabilities()
        except Exception as error:  # noqa: BLE001 - a broken torch must not keep the worker from starting
            # Installed per its metadata but not importable (wrong wheel for this CPU/Python, missing
            # shared library): report it as absent so the driver asks for a working install.
            print(f"tonekit_worker: torch is installed but cannot be imported: {error!r}", file=sys.stderr)
            capabilities["torch"] = None
    ordered = {
        "torch": capabilities["torch"],
        **devices,
        **{name: capabilities[name] for name in DEPENDENCIES if name != "torch"},
    }
    return {
        "protocol": PROTOCOL_VERSION,
        "worker_version": __version__,
        "python": platform.python_version(),
        "platform": sysconfig.get_platform(),
        "capabilities": ordered,
    }
