"""What a finished run leaves in `output_dir`: the PEFT adapter, the GGUF LoRA adapter, the merged model."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

LogFn = Callable[[str, str], None]


def save_adapter(peft_model, tokenizer, out_dir: str | Path, base_model: str) -> Path:
    """PEFT format (adapter_config.json + adapter_model.safetensors) plus the tokenizer files, so the
    folder carries the chat template it was trained with. A local base is recorded as an absolute path
    (peft records whatever path the model was loaded from, which may be relative to the worker's cwd)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    if os.path.isdir(base_model):
        config_path = out / "adapter_config.json"
        config = json.loads(config_path.read_text())
        config["base_model_name_or_path"] = str(Path(base_model).resolve())
        config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return out


def export_gguf_adapter(adapter_dir: str | Path, base_model: str, out_path: str | Path, log: LogFn) -> Path | None:
    """The GGUF LoRA adapter next to the PEFT one; a conversion that is not possible (architecture,
    trained biases) is reported as a warning and gives None: the training itself succeeded."""
    from ..errors import WorkerFailure
    from ..gguf_lora import convert_lora_to_gguf

    base = base_model if os.path.isdir(base_model) else None
    try:
        return convert_lora_to_gguf(adapter_dir, out_path, base=base)
    except WorkerFailure as error:
        log("warn", f"GGUF adapter not written: {error.message}")
        return None


def save_merged_model(base_model: str, adapter_dir: str | Path, out_dir: str | Path, precision: str) -> Path:
    """Base + adapter merged into plain weights (safetensors), loaded fresh on the CPU in bf16 (fp32 when
    the run was fp32): merging into an int8 base would bake its quantization error into the weights."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = torch.float32 if precision == "fp32" else torch.bfloat16
    local = os.path.isdir(base_model)
    base = AutoModelForCausalLM.from_pretrained(base_model, dtype=dtype, local_files_only=local)
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    out = Path(out_dir)
    merged.save_pretrained(str(out), safe_serialization=True)
    AutoTokenizer.from_pretrained(str(adapter_dir)).save_pretrained(str(out))
    return out
