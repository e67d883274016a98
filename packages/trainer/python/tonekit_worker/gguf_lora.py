"""Convert a saved PEFT LoRA adapter to llama.cpp's GGUF LoRA adapter format.

    python -m tonekit_worker.gguf_lora ADAPTER_DIR --out adapter.gguf [--base BASE_DIR] [--outtype f32|f16]

Follows llama.cpp's `convert_lora_to_gguf.py` (which reuses `convert_hf_to_gguf.py`'s tensor mapping):

* metadata: `general.architecture` (from the base's config.json), `general.type = "adapter"`,
  `adapter.type = "lora"`, `adapter.lora.alpha` (float32);
* tensors: `blk.<i>.<attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down>.weight.lora_a` with
  numpy (row-major) shape [rank, in] = PEFT's lora_A, and `.lora_b` with shape [out, rank] = lora_B;
  llama.cpp applies `scale · alpha / rank · B A x`, the same as PEFT's `alpha / r` scaling;
* llama and mistral (both `llama` in llama.cpp): llama.cpp's converter permutes the rows of q_proj
  and k_proj for its rope layout (`LlamaModel.permute` with n_head, resp. n_head_kv); for a LoRA delta
  B·A that is a permutation of the rows of B, which this module applies. qwen2: no permutation.

Only the weights of linear layers can be carried: llama.cpp adapters have no bias deltas, so an adapter
that trained biases (PEFT `bias="lora_only"`/`"all"` on layers that have a bias, e.g. qwen2's q/k/v)
is refused unless `drop_biases=True` (the GGUF then differs from the PEFT adapter by those biases).
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path
from typing import Any

from .errors import WorkerFailure, missing_dependency

#: HF architecture → llama.cpp architecture.
SUPPORTED_ARCHITECTURES = {
    "LlamaForCausalLM": "llama",
    "MistralForCausalLM": "llama",
    "Qwen2ForCausalLM": "qwen2",
}
#: llama.cpp architectures whose converter permutes q/k rows for rope.
_ROPE_PERMUTED = {"llama"}

MODULE_TO_GGUF = {
    "q_proj": "attn_q",
    "k_proj": "attn_k",
    "v_proj": "attn_v",
    "o_proj": "attn_output",
    "gate_proj": "ffn_gate",
    "up_proj": "ffn_up",
    "down_proj": "ffn_down",
}
_LORA_KEY = re.compile(r"^(?:base_model\.model\.)?model\.layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)\.lora_([AB])(?:\.[\w-]+)?\.weight$")
_BIAS_KEY = re.compile(r"^(?:base_model\.model\.)?model\.layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)\.bias$")


def llama_permute(weights, n_head: int, n_head_kv: int | None):
    """llama.cpp's `LlamaModel.permute` (convert_hf_to_gguf.py) for a tensor whose FIRST dim is the
    projection's output: interleaved rope halves → llama.cpp's layout, per head."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def gguf_architecture(base_config: dict[str, Any]) -> str:
    """The llama.cpp architecture name for an HF config, or a WorkerFailure naming the supported ones."""
    architectures = base_config.get("architectures") or []
    name = architectures[0] if architectures else base_config.get("model_type", "?")
    if name not in SUPPORTED_ARCHITECTURES:
        raise WorkerFailure(
            "invalid_params",
            f"GGUF LoRA export supports {', '.join(sorted(SUPPORTED_ARCHITECTURES))}; the base model is {name}. "
            "Set export_gguf to false (the PEFT adapter is still saved), or convert it with llama.cpp's "
            "convert_lora_to_gguf.py if llama.cpp supports this architecture.",
        )
    return SUPPORTED_ARCHITECTURES[name]


def _read_base_config(base: str | Path | dict[str, Any] | None, adapter_config: dict[str, Any]) -> dict[str, Any]:
    if isinstance(base, dict):
        return base
    if base is None:
        base = adapter_config.get("base_model_name_or_path")
        if not base:
            raise WorkerFailure("invalid_params", "adapter_config.json names no base model; pass the base model folder.")
    config_path = Path(base) / "config.json"
    if not config_path.is_file():
        raise WorkerFailure(
            "not_found",
            f"GGUF export needs the base model's config.json (for its architecture and head counts); {config_path} does not exist.",
        )
    return json.loads(config_path.read_text())


def convert_lora_to_gguf(
    adapter_dir: str | Path,
    out_path: str | Path,
    base: str | Path | dict[str, Any] | None = None,
    outtype: str = "f32",
    drop_biases: bool = False,
) -> Path:
    """Write `adapter_dir` (adapter_config.json + adapter_model.safetensors) as a GGUF LoRA adapter.

    base: the base model folder (or its parsed config.json); default `base_model_name_or_path` from the
    adapter config. outtype: `f32` (default) or `f16`. Returns `out_path`.
    """
    try:
        import gguf
    except ImportError as error:
        raise missing_dependency("gguf", "GGUF LoRA export") from error
    import numpy as np
    from safetensors.numpy import load_file

    if outtype not in ("f32", "f16"):
        raise WorkerFailure("invalid_params", f'outtype must be "f32" or "f16"; got "{outtype}".')
    adapter_dir = Path(adapter_dir)
    config_path = adapter_dir / "adapter_config.json"
    weights_path = adapter_dir / "adapter_model.safetensors"
    if not config_path.is_file() or not weights_path.is_file():
        raise WorkerFailure("not_found", f"{adapter_dir} is not a PEFT adapter folder (adapter_config.json + adapter_model.safetensors).")
    adapter_config = json.loads(config_path.read_text())
    base_config = _read_base_config(base, adapter_config)
    arch = gguf_architecture(base_config)
    if adapter_config.get("peft_type", "LORA") != "LORA":
        raise WorkerFailure("invalid_params", f"only LoRA adapters convert to GGUF; this one is {adapter_config.get('peft_type')}.")
    if adapter_config.get("use_dora"):
        raise WorkerFailure("invalid_params", "DoRA adapters cannot be expressed as a llama.cpp LoRA adapter.")
    if adapter_config.get("alpha_pattern"):
        raise WorkerFailure("invalid_params", "per-module alpha (alpha_pattern) cannot be expressed in one adapter.lora.alpha.")
    alpha = float(adapter_config["lora_alpha"])
    if adapter_config.get("use_rslora"):
        # rsLoRA scales by alpha / sqrt(r); llama.cpp scales by alpha / r, so store alpha · sqrt(r).
        alpha = alpha * math.sqrt(float(adapter_config["r"]))

    n_head = int(base_config["num_attention_heads"])
    n_head_kv = int(base_config.get("num_key_value_heads") or n_head)

    pairs: dict[tuple[int, str], dict[str, Any]] = {}
    biases: list[str] = []
    for key, value in load_file(str(weights_path)).items():
        match = _LORA_KEY.match(key)
        if match is None:
            if _BIAS_KEY.match(key):
                biases.append(key)
                continue
            raise WorkerFailure(
                "invalid_params",
                f'adapter tensor "{key}" is not a LoRA A/B weight of a decoder layer; llama.cpp LoRA adapters '
                "carry only those (trained embeddings, lm_head or norms are not supported here).",
            )
        layer, module, which = int(match.group(1)), match.group(2), match.group(3)
        if module not in MODULE_TO_GGUF:
            raise WorkerFailure("invalid_params", f'adapter targets "{module}", which has no llama.cpp tensor name.')
        pairs.setdefault((layer, module), {})[which] = value
    if biases and not drop_biases:
        raise WorkerFailure(
            "invalid_params",
            f"the adapter trained {len(biases)} bias vector(s) (e.g. {biases[0]}), which a llama.cpp LoRA adapter "
            'cannot carry. Train with bias "none" for an exact GGUF adapter, or save the merged model and convert it.',
        )
    if not pairs:
        raise WorkerFailure("invalid_params", f"{weights_path} holds no LoRA weights.")

    dtype = np.float32 if outtype == "f32" else np.float16
    writer = gguf.GGUFWriter(str(out_path), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32 if outtype == "f32" else gguf.LlamaFileType.MOSTLY_F16)
    for (layer, module), tensors in sorted(pairs.items()):
        if "A" not in tensors or "B" not in tensors:
            raise WorkerFailure("invalid_params", f"layer {layer} {module}: lora_A or lora_B is missing.")
        lora_a = tensors["A"].astype(np.float32)  # [rank, in]
        lora_b = tensors["B"].astype(np.float32)  # [out, rank]
        if arch in _ROPE_PERMUTED and module == "q_proj":
            lora_b = llama_permute(lora_b, n_head, n_head)
        elif arch in _ROPE_PERMUTED and module == "k_proj":
            lora_b = llama_permute(lora_b, n_head, n_head_kv)
        name = f"blk.{layer}.{MODULE_TO_GGUF[module]}.weight"
        writer.add_tensor(name + ".lora_a", np.ascontiguousarray(lora_a.astype(dtype)))
        writer.add_tensor(name + ".lora_b", np.ascontiguousarray(lora_b.astype(dtype)))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return Path(out_path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Convert a PEFT LoRA adapter to a llama.cpp GGUF LoRA adapter.")
    parser.add_argument("adapter_dir")
    parser.add_argument("--out", required=True)
    parser.add_argument("--base", default=None, help="base model folder (default: base_model_name_or_path)")
    parser.add_argument("--outtype", default="f32", choices=["f32", "f16"])
    parser.add_argument("--drop-biases", action="store_true")
    args = parser.parse_args(argv)
    try:
        print(convert_lora_to_gguf(args.adapter_dir, args.out, args.base, args.outtype, args.drop_biases))
    except WorkerFailure as error:
        parser.exit(2, f"error: {error.message}\n")


if __name__ == "__main__":
    main()
