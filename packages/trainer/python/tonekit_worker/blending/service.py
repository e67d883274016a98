"""The blending methods of PROTOCOL.md: load_model, tokenize, detokenize, apply_chat_template,
open_sequences, step, close_sequences, unload_model.

State (loaded models by handle, sequence groups by id) lives in one `BlendingService` per worker.
All methods run on the worker's main thread, one at a time, so no locking is needed here.
"""

from __future__ import annotations

import gc
import inspect
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import WorkerFailure, missing_dependency
from . import params as p
from .sequences import PEFT_BASE_ADAPTER, SequenceGroup
from .vocabulary import compute_vocabulary_hash, special_tokens, vocabulary_tokens

BLENDING_METHODS = (
    "load_model",
    "unload_model",
    "tokenize",
    "detokenize",
    "apply_chat_template",
    "open_sequences",
    "step",
    "close_sequences",
)

#: Precisions a blended model can be held in (PROTOCOL.md, load_model).
PRECISIONS = ("fp32", "bf16")
DEVICES = ("auto", "cpu", "cuda")

LogFn = Callable[[str, str], None]
#: `load_base_model(model_path, precision, device, log=...) -> (model, tokenizer)`, modeling.py's signature.
LoadBaseModel = Callable[..., tuple[Any, Any]]


@dataclass
class LoadedModel:
    handle: str
    model_path: str
    #: What `step` calls: the PeftModel when adapters are loaded, else the transformers model.
    model: Any
    base: Any
    tokenizer: Any
    #: Protocol adapter name → the name PEFT knows it by.
    peft_adapter_names: dict[str, str]
    device: Any
    vocabulary_size: int
    #: Rows of the input embedding: the largest token id a step may feed, plus one.
    input_size: int
    accepts_logits_to_keep: bool
    groups: set[str] = field(default_factory=set)

    @property
    def is_peft(self) -> bool:
        return bool(self.peft_adapter_names)


class BlendingService:
    """Serves the blending methods. `load_base_model` defaults to `tonekit_worker.modeling`'s."""

    def __init__(self, *, load_base_model: LoadBaseModel | None = None):
        self._load_base_model = load_base_model
        self._models: dict[str, LoadedModel] = {}
        self._groups: dict[str, SequenceGroup] = {}
        # Groups closed by `unload_model`: a later `close_sequences` of one is answered, not `not_found`.
        self._released_groups: set[str] = set()
        self._next_model = 1
        self._next_group = 1

    def call(self, method: str, params: dict[str, Any], log: LogFn | None = None) -> dict[str, Any]:
        """Run blending method `method` (one of BLENDING_METHODS)."""
        if method == "load_model":
            return self.load_model(params, log=log)
        if method not in BLENDING_METHODS:
            raise WorkerFailure("unknown_method", f'"{method}" is not a blending method')
        return getattr(self, method)(params)

    # --- models --------------------------------------------------------------------------------

    def load_model(self, params: dict[str, Any], log: LogFn | None = None) -> dict[str, Any]:
        method = "load_model"
        model_path = p.string(params, "model", method)
        adapters = _adapter_specs(params.get("adapters"), method)
        precision = p.choice(params, "precision", method, PRECISIONS, "fp32")
        device = _device(params, method)
        for name, path in adapters:
            _check_adapter_folder(name, path)

        load = self._load_base_model
        if load is None:
            from ..modeling import load_base_model as load
        base, tokenizer = load(model_path, precision, device, log=log)
        base.eval()
        device_of_weights = next(base.parameters()).device

        peft_adapter_names: dict[str, str] = {}
        model = base
        if adapters:
            try:
                from peft import PeftModel
            except ImportError as error:
                raise missing_dependency("peft", "Blending LoRA adapters") from error
            for index, (name, path) in enumerate(adapters):
                # PEFT keeps adapters in torch ModuleDicts, whose keys cannot contain "." (and
                # "__base__" means "no adapter"): user names are mapped to safe ones.
                peft_name = f"adapter_{index}"
                try:
                    config = _mixable_adapter_config(name, path)
                    if model is base:
                        model = PeftModel.from_pretrained(
                            base,
                            path,
                            adapter_name=peft_name,
                            is_trainable=False,
                            config=config,
                            torch_device=str(device_of_weights),
                        )
                    else:
                        from peft.utils import load_peft_weights, set_peft_model_state_dict

                        model.add_adapter(peft_name, config)
                        set_peft_model_state_dict(
                            model, load_peft_weights(path, device=str(device_of_weights)), adapter_name=peft_name
                        )
                except (OSError, ValueError, KeyError, RuntimeError) as error:
                    if _is_out_of_memory(error):
                        raise
                    raise WorkerFailure(
                        "invalid_params",
                        f'load_model: the adapter "{name}" at "{path}" does not fit {model_path}: {error}',
                    ) from error
                peft_adapter_names[name] = peft_name
            model.eval()

        vocabulary_size = _logits_width(base)
        input_size = base.get_input_embeddings().weight.shape[0]
        vocabulary = vocabulary_tokens(tokenizer, vocabulary_size)
        specials = special_tokens(tokenizer, getattr(base, "generation_config", None), vocabulary_size, vocabulary)
        vocabulary_hash = compute_vocabulary_hash(vocabulary, specials["eos"], specials["bos"], specials["pad"])
        handle = f"m{self._next_model}"
        self._next_model += 1
        self._models[handle] = LoadedModel(
            handle=handle,
            model_path=model_path,
            model=model,
            base=base,
            tokenizer=tokenizer,
            peft_adapter_names=peft_adapter_names,
            device=device_of_weights,
            vocabulary_size=vocabulary_size,
            input_size=min(input_size, vocabulary_size),
            accepts_logits_to_keep="logits_to_keep" in inspect.signature(base.forward).parameters,
        )
        return {
            "handle": handle,
            "vocabulary_size": vocabulary_size,
            "vocabulary_hash": vocabulary_hash,
            "bos": specials["bos"],
            "eos": specials["eos"],
            "pad": specials["pad"],
            "has_chat_template": bool(getattr(tokenizer, "chat_template", None)),
        }

    def unload_model(self, params: dict[str, Any]) -> dict[str, Any]:
        loaded = self._model(params, "unload_model")
        for group_id in loaded.groups:
            self._groups.pop(group_id).release()
            self._released_groups.add(group_id)
        del self._models[loaded.handle]
        del loaded
        gc.collect()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            # Give the memory back to the device, not just to torch's cache: the driver may load another model.
            torch.cuda.empty_cache()
        return {}

    # --- text ----------------------------------------------------------------------------------

    def tokenize(self, params: dict[str, Any]) -> dict[str, Any]:
        loaded = self._model(params, "tokenize")
        text = p.text(params, "text", "tokenize")
        add_special = p.boolean(params, "add_special_tokens", "tokenize", False)
        return {"tokens": list(loaded.tokenizer.encode(text, add_special_tokens=add_special))}

    def detokenize(self, params: dict[str, Any]) -> dict[str, Any]:
        loaded = self._model(params, "detokenize")
        tokens = p.token_ids(params.get("tokens"), "`tokens`", "detokenize", loaded.vocabulary_size, allow_empty=True)
        # Special tokens are kept and spaces are not "cleaned up": the text is exactly what the ids spell.
        text = loaded.tokenizer.decode(tokens, skip_special_tokens=False, clean_up_tokenization_spaces=False)
        return {"text": text}

    def apply_chat_template(self, params: dict[str, Any]) -> dict[str, Any]:
        method = "apply_chat_template"
        loaded = self._model(params, method)
        messages = params.get("messages")
        if not isinstance(messages, list) or not all(
            isinstance(message, dict)
            and isinstance(message.get("role"), str)
            and isinstance(message.get("content"), str)
            for message in messages
        ):
            raise p.invalid(method, "`messages` must be a list of {role, content} objects with string values")
        add_generation_prompt = p.boolean(params, "add_generation_prompt", method, True)
        if not getattr(loaded.tokenizer, "chat_template", None):
            raise p.invalid(
                method, f"{loaded.model_path} has no chat template (load_model said has_chat_template: false)"
            )
        text = loaded.tokenizer.apply_chat_template(
            [{"role": message["role"], "content": message["content"]} for message in messages],
            tokenize=False,
            add_generation_prompt=add_generation_prompt,
        )
        return {"text": text}

    # --- sequences -----------------------------------------------------------------------------

    def open_sequences(self, params: dict[str, Any]) -> dict[str, Any]:
        method = "open_sequences"
        loaded = self._model(params, method)
        adapters = params.get("adapters")
        if not isinstance(adapters, list) or not adapters:
            raise p.invalid(method, "`adapters` must be a non-empty list of adapter names (null: the base model)")
        for name in adapters:
            if name is not None and not isinstance(name, str):
                raise p.invalid(method, f"`adapters` holds {name!r}; expected an adapter name or null")
            if name is not None and name not in loaded.peft_adapter_names:
                known = ", ".join(f'"{known}"' for known in loaded.peft_adapter_names) or "none"
                raise WorkerFailure(
                    "not_found", f'{method}: model {loaded.handle} has no adapter "{name}" (loaded: {known})'
                )
        group_id = f"g{self._next_group}"
        self._next_group += 1
        self._groups[group_id] = SequenceGroup(group_id, loaded, list(adapters))
        loaded.groups.add(group_id)
        return {"group": group_id}

    def step(self, params: dict[str, Any]) -> dict[str, Any]:
        method = "step"
        group = self._group(params, method)
        rows = params.get("tokens")
        if not isinstance(rows, list) or len(rows) != group.size:
            raise p.invalid(method, f"`tokens` must hold one token list per member of group {group.id} ({group.size})")
        size = group.loaded.input_size
        checked = [
            p.token_ids(row, f"`tokens[{index}]`", method, size, allow_empty=False) for index, row in enumerate(rows)
        ]
        lengths = {len(row) for row in checked}
        if len(lengths) != 1:
            raise p.invalid(
                method,
                "every member must append the same number of tokens in one step; "
                f"got lengths {[len(row) for row in checked]}",
            )
        return {"log_probs": group.step(checked)}

    def close_sequences(self, params: dict[str, Any]) -> dict[str, Any]:
        method = "close_sequences"
        group_id = p.string(params, "group", method)
        if group_id in self._released_groups:
            return {}
        group = self._group(params, method)
        del self._groups[group_id]
        group.loaded.groups.discard(group_id)
        group.release()
        self._released_groups.add(group_id)
        return {}

    # --- lookups -------------------------------------------------------------------------------

    def _model(self, params: dict[str, Any], method: str) -> LoadedModel:
        handle = p.string(params, "handle", method)
        loaded = self._models.get(handle)
        if loaded is None:
            raise WorkerFailure("not_found", f'{method}: no model is loaded with handle "{handle}"')
        return loaded

    def _group(self, params: dict[str, Any], method: str) -> SequenceGroup:
        group_id = p.string(params, "group", method)
        group = self._groups.get(group_id)
        if group is None:
            state = "closed" if group_id in self._released_groups else "unknown"
            raise WorkerFailure("not_found", f'{method}: sequence group "{group_id}" is {state}')
        return group


def _adapter_specs(value: Any, method: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise p.invalid(method, "`adapters` must be a list of {name, path} objects")
    specs: list[tuple[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            raise p.invalid(method, f"`adapters` holds {item!r}; expected {{name, path}}")
        name = p.string(item, "name", f"{method} adapters[]")
        path = p.string(item, "path", f"{method} adapters[]")
        if any(name == seen for seen, _ in specs):
            raise p.invalid(method, f'the adapter name "{name}" is used twice')
        specs.append((name, path))
    return specs


def _device(params: dict[str, Any], method: str) -> str:
    value = params.get("device")
    if value is None:
        return "auto"
    # `cuda:<n>` picks one of several GPUs; modeling.resolve_device checks that it exists.
    if value in DEVICES or (isinstance(value, str) and value.startswith("cuda:") and value[5:].isdigit()):
        return value
    raise p.invalid(method, f"`device` must be one of {', '.join(DEVICES)} or cuda:<n>; got {value!r}")


def _mixable_adapter_config(name: str, path: str) -> Any:
    """The adapter's LoraConfig, made loadable next to other adapters.

    PEFT refuses several adapters in one model unless every one has `bias="none"`, because trained
    biases live in the base layers and cannot differ per batch row. The paper's `bias="lora_only"` on
    Llama's q/k/v projections, which have no bias, trains and saves no bias at all: such an adapter is
    exactly a `bias="none"` one, and is loaded as such. An adapter that did save biases is refused.
    """
    from peft import PeftConfig

    config = PeftConfig.from_pretrained(path)
    if getattr(config, "bias", "none") != "none":
        if _saved_tensor_names_with(path, "bias"):
            raise WorkerFailure(
                "invalid_params",
                f'load_model: the adapter "{name}" at "{path}" trained bias terms (bias="{config.bias}"), which '
                "live in the shared base layers, so it cannot be mixed with other adapters in one batch. "
                'Retrain it with bias "none", or blend it through llama.cpp with its merged model.',
            )
        config.bias = "none"
    config.inference_mode = True
    return config


def _saved_tensor_names_with(path: str, fragment: str) -> list[str]:
    """Names of the adapter's saved tensors that contain `fragment` (safetensors or a torch .bin)."""
    from pathlib import Path

    folder = Path(path)
    safetensors_file = folder / "adapter_model.safetensors"
    if safetensors_file.exists():
        from safetensors import safe_open

        with safe_open(str(safetensors_file), framework="pt") as handle:
            return [key for key in handle.keys() if fragment in key]
    bin_file = folder / "adapter_model.bin"
    if bin_file.exists():
        import torch

        return [key for key in torch.load(str(bin_file), map_location="cpu", weights_only=True) if fragment in key]
    return []


def _check_adapter_folder(name: str, path: str) -> None:
    """A local peft adapter folder, else `not_found`; a LoRA without DoRA, else `invalid_params`."""
    config_path = os.path.join(path, "adapter_config.json")
    if not os.path.isfile(config_path):
        raise WorkerFailure(
            "not_found",
            f'load_model: the adapter "{name}" at "{os.path.abspath(path)}" is not a peft adapter folder '
            "(no adapter_config.json)",
        )
    try:
        with open(config_path, encoding="utf-8") as file:
            config = json.load(file)
    except (OSError, ValueError) as error:
        raise WorkerFailure("invalid_params", f"load_model: cannot read {config_path}: {error}") from error
    peft_type = str(config.get("peft_type", "LORA")).upper()
    if peft_type != "LORA":
        raise WorkerFailure(
            "invalid_params",
            f'load_model: the adapter "{name}" is a {peft_type} adapter; blending batches LoRA adapters only',
        )
    if config.get("use_dora"):
        # peft refuses mixed-adapter batches with DoRA (lora/layer.py, _check_forward_args).
        raise WorkerFailure(
            "invalid_params",
            f'load_model: the adapter "{name}" uses DoRA, which peft cannot run in a mixed-adapter batch',
        )


def _logits_width(model: Any) -> int:
    head = model.get_output_embeddings()
    weight = getattr(head, "weight", None)
    if weight is not None:
        return int(weight.shape[0])
    return int(model.config.get_text_config().vocab_size)


def _is_out_of_memory(error: BaseException) -> bool:
    return type(error).__name__ == "OutOfMemoryError"


__all__ = ["BLENDING_METHODS", "BlendingService", "LoadedModel", "PEFT_BASE_ADAPTER"]
