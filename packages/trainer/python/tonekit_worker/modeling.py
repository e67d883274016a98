"""Loading a base causal LM and its tokenizer for training and blending.

torch and transformers are imported inside the functions: the protocol layer imports this module
while answering `ready`, and the worker must start (and say what to install) without them.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from .errors import WorkerFailure, missing_dependency

PRECISIONS = ("fp32", "bf16", "int8")
DEVICES = ("auto", "cpu", "cuda")

#: Called with (level, message) for things a user should see (the int8 backend, a bf16 fallback).
LogFn = Callable[[str, str], None]


def _import_torch_transformers():
    try:
        import torch  # noqa: F401
    except ImportError as error:
        raise missing_dependency("torch", "Loading a model") from error
    try:
        import transformers  # noqa: F401
    except ImportError as error:
        raise missing_dependency("transformers", "Loading a model") from error
    return torch, transformers


def resolve_device(device: str) -> str:
    """`auto` → `cuda` when a GPU is visible, else `cpu`. `cuda:<n>` is accepted for distributed ranks."""
    torch, _ = _import_torch_transformers()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return "cpu"
    if device == "cuda" or device.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise WorkerFailure(
                "invalid_params",
                f'device "{device}" was requested but torch {torch.__version__} sees no CUDA GPU; '
                'use device "cpu" or "auto", or install a CUDA build of torch.',
            )
        return device
    raise WorkerFailure("invalid_params", f'device must be one of {", ".join(DEVICES)}; got "{device}".')


def torch_dtype_for(precision: str, device: str):
    """The dtype the non-quantized weights are held in: fp32 → float32, bf16 and int8 → bfloat16 on GPU.

    int8 on CPU keeps the non-quantized parts (embeddings, norms, lm_head) in float32: CPU bf16 matmuls
    are slow and the built-in int8 path exists there mainly for tests.
    """
    torch, _ = _import_torch_transformers()
    if precision == "fp32":
        return torch.float32
    if precision == "bf16":
        return torch.bfloat16
    if precision == "int8":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    raise WorkerFailure("invalid_params", f'precision must be one of {", ".join(PRECISIONS)}; got "{precision}".')


def load_tokenizer(model_path: str):
    """The model's tokenizer (with its chat template), or a clear `not_found` error."""
    _, transformers = _import_torch_transformers()
    try:
        return transformers.AutoTokenizer.from_pretrained(model_path, local_files_only=_is_local(model_path))
    except (OSError, ValueError) as error:
        raise WorkerFailure("not_found", f'Could not load a tokenizer from "{model_path}": {error}') from error


def load_base_model(
    model_path: str,
    precision: str = "fp32",
    device: str = "auto",
    *,
    attn_implementation: str | None = None,
    log: LogFn | None = None,
) -> tuple[Any, Any]:
    """Load `model_path` (a local folder or a Hugging Face id) as (model, tokenizer) in eval mode.

    precision: `fp32`; `bf16`; `int8` = LLM.int8 semantics on every nn.Linear except lm_head
    (threshold 6.0; bitsandbytes' Linear8bitLt on CUDA when installed, else tonekit's built-in
    implementation, see `int8.py`), the rest in bf16 on GPU / fp32 on CPU.
    device: `auto` (CUDA when available), `cpu`, `cuda` (or `cuda:<n>`).
    The base weights are frozen (requires_grad False): LoRA adapters are trained on top.
    `log(level, message)` receives which int8 backend was chosen.
    """
    torch, transformers = _import_torch_transformers()
    if precision not in PRECISIONS:
        raise WorkerFailure("invalid_params", f'precision must be one of {", ".join(PRECISIONS)}; got "{precision}".')
    resolved = resolve_device(device)
    dtype = torch_dtype_for(precision, resolved)
    tokenizer = load_tokenizer(model_path)
    kwargs: dict[str, Any] = {"dtype": dtype, "local_files_only": _is_local(model_path)}
    if attn_implementation is not None:
        kwargs["attn_implementation"] = attn_implementation
    use_bitsandbytes = False
    if precision == "int8":
        from .int8 import THRESHOLD, bitsandbytes_quantization_config, bitsandbytes_usable

        use_bitsandbytes = bitsandbytes_usable(resolved)
        if use_bitsandbytes:
            # bitsandbytes quantizes while the weights move to the GPU, so it loads straight onto it.
            kwargs["quantization_config"] = bitsandbytes_quantization_config()
            kwargs["device_map"] = {"": resolved}
    try:
        model = transformers.AutoModelForCausalLM.from_pretrained(model_path, **kwargs)
    except (OSError, ValueError) as error:
        raise WorkerFailure("not_found", f'Could not load a causal LM from "{model_path}": {error}') from error
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    if precision == "int8" and use_bitsandbytes:
        if log is not None:
            import importlib.metadata

            log(
                "info",
                f"int8 base: bitsandbytes {importlib.metadata.version('bitsandbytes')} Linear8bitLt "
                f"(LLM.int8, threshold {THRESHOLD}, lm_head unquantized).",
            )
    elif precision == "int8":
        from .int8 import quantize_model_int8

        quantize_model_int8(model, device=resolved, log=log)
        model.to(resolved)
    else:
        model.to(resolved)
    model.eval()
    return model, tokenizer


def _is_local(model_path: str) -> bool:
    # A folder on disk never needs the Hub; an id like "org/name" may (and fails offline with a clear error).
    return os.path.isdir(model_path)
