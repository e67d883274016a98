"""The `train` request's params (PROTOCOL.md), validated, with the paper's settings as defaults (DESIGN §5)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..errors import WorkerFailure

PRECISIONS = ("fp32", "bf16", "int8")
BATCHING = ("length-grouped", "padding-free")
BIAS = ("none", "all", "lora_only")
DEVICES = ("auto", "cpu", "cuda")
ANNEAL = ("cos", "linear")


@dataclass(frozen=True)
class Hyperparameters:
    rank: int = 32
    #: None → equal to rank (the paper uses r = alpha).
    alpha: float | None = None
    dropout: float = 0.2
    bias: str = "lora_only"
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj")
    learning_rate: float = 2e-4
    epochs: int = 5
    micro_batch_size: int = 16
    gradient_accumulation_steps: int = 2
    weight_decay: float = 0.0
    pct_start: float = 0.3
    anneal_strategy: str = "cos"
    div_factor: float = 25.0
    #: The paper's 1e3 (torch's default is 1e4).
    final_div_factor: float = 1000.0
    base_momentum: float = 0.85
    max_momentum: float = 0.95
    seed: int = 713
    max_length: int = 1024
    #: None → bf16 on CUDA, fp32 on CPU.
    precision: str | None = None
    batching: str = "length-grouped"
    gradient_checkpointing: bool = False
    device: str = "auto"
    checkpoint_every_steps: int | None = None
    max_steps: int | None = None
    gpus: int = 1
    #: transformers' attn_implementation (e.g. "flash_attention_2"); None = transformers' default (sdpa).
    attn_implementation: str | None = None

    @property
    def lora_alpha(self) -> float:
        return float(self.rank if self.alpha is None else self.alpha)


@dataclass(frozen=True)
class TrainParams:
    base_model: str
    train_file: str
    output_dir: str
    validation_file: str | None = None
    resume: bool = False
    save_merged: bool = False
    export_gguf: bool = True
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["hyperparameters"]["target_modules"] = list(self.hyperparameters.target_modules)
        return data


def _fail(name: str, expected: str, value: Any) -> WorkerFailure:
    return WorkerFailure("invalid_params", f"{name} must be {expected}; got {value!r}.")


def _integer(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < minimum:
        raise _fail(name, f"an integer >= {minimum}", value)
    return int(value)


def _number(name: str, value: Any, low: float | None = None, high: float | None = None, low_open: bool = False, high_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(name, "a finite number", value)
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise _fail(name, f"{'>' if low_open else '>='} {low}", value)
    if high is not None and (value > high or (high_open and value == high)):
        raise _fail(name, f"{'<' if high_open else '<='} {high}", value)
    return value


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _fail(name, "one of " + ", ".join(f'"{choice}"' for choice in choices), value)
    return value


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(name, "true or false", value)
    return value


def _path(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(name, "a non-empty path string", value)
    return value


def parse_train_params(params: Any) -> tuple[TrainParams, list[str]]:
    """Validate the snake_case params of a `train` request. Returns (params, warnings): the warnings name
    keys this worker does not know (ignored, reported as `log` events rather than failing, so a newer
    driver can talk to an older worker). Raises WorkerFailure("invalid_params") on bad values."""
    if not isinstance(params, dict):
        raise _fail("params", "an object", params)
    warnings: list[str] = []
    known_top = {"base_model", "train_file", "validation_file", "output_dir", "resume", "hyperparameters", "save_merged", "export_gguf", "gpus"}
    for key in params:
        if key not in known_top:
            warnings.append(f'unknown train parameter "{key}" ignored')
    raw = params.get("hyperparameters") or {}
    if not isinstance(raw, dict):
        raise _fail("hyperparameters", "an object", raw)
    known = {f.name for f in fields(Hyperparameters)}
    for key in raw:
        if key not in known:
            warnings.append(f'unknown hyperparameter "{key}" ignored')
    h = Hyperparameters()
    values: dict[str, Any] = {}

    def get(key: str):
        value = raw.get(key, getattr(h, key))
        return value

    values["rank"] = _integer("hyperparameters.rank", get("rank"))
    alpha = raw.get("alpha")
    values["alpha"] = None if alpha is None else _number("hyperparameters.alpha", alpha, 0, low_open=True)
    values["dropout"] = _number("hyperparameters.dropout", get("dropout"), 0, 1, high_open=True)
    values["bias"] = _choice("hyperparameters.bias", get("bias"), BIAS)
    targets = get("target_modules")
    if not isinstance(targets, (list, tuple)) or not targets or not all(isinstance(t, str) and t for t in targets):
        raise _fail("hyperparameters.target_modules", "a non-empty list of module names", targets)
    values["target_modules"] = tuple(targets)
    values["learning_rate"] = _number("hyperparameters.learning_rate", get("learning_rate"), 0, low_open=True)
    values["epochs"] = _integer("hyperparameters.epochs", get("epochs"))
    values["micro_batch_size"] = _integer("hyperparameters.micro_batch_size", get("micro_batch_size"))
    values["gradient_accumulation_steps"] = _integer("hyperparameters.gradient_accumulation_steps", get("gradient_accumulation_steps"))
    values["weight_decay"] = _number("hyperparameters.weight_decay", get("weight_decay"), 0)
    values["pct_start"] = _number("hyperparameters.pct_start", get("pct_start"), 0, 1, low_open=True, high_open=True)
    values["anneal_strategy"] = _choice("hyperparameters.anneal_strategy", get("anneal_strategy"), ANNEAL)
    values["div_factor"] = _number("hyperparameters.div_factor", get("div_factor"), 0, low_open=True)
    values["final_div_factor"] = _number("hyperparameters.final_div_factor", get("final_div_factor"), 0, low_open=True)
    values["base_momentum"] = _number("hyperparameters.base_momentum", get("base_momentum"), 0, 1, high_open=True)
    values["max_momentum"] = _number("hyperparameters.max_momentum", get("max_momentum"), 0, 1, high_open=True)
    if values["base_momentum"] > values["max_momentum"]:
        raise _fail("hyperparameters.base_momentum", f"<= max_momentum ({values['max_momentum']})", values["base_momentum"])
    values["seed"] = _integer("hyperparameters.seed", get("seed"), minimum=0)
    values["max_length"] = _integer("hyperparameters.max_length", get("max_length"), minimum=2)
    precision = raw.get("precision")
    values["precision"] = None if precision in (None, "auto") else _choice("hyperparameters.precision", precision, PRECISIONS)
    values["batching"] = _choice("hyperparameters.batching", get("batching"), BATCHING)
    values["gradient_checkpointing"] = _boolean("hyperparameters.gradient_checkpointing", get("gradient_checkpointing"))
    device = get("device")
    if not (isinstance(device, str) and (device in DEVICES or device.startswith("cuda:"))):
        raise _fail("hyperparameters.device", 'one of "auto", "cpu", "cuda"', device)
    values["device"] = device
    every = raw.get("checkpoint_every_steps")
    values["checkpoint_every_steps"] = None if every is None else _integer("hyperparameters.checkpoint_every_steps", every)
    max_steps = raw.get("max_steps")
    values["max_steps"] = None if max_steps is None else _integer("hyperparameters.max_steps", max_steps)
    gpus = params.get("gpus", raw.get("gpus", 1))
    values["gpus"] = 1 if gpus is None else _integer("gpus", gpus)
    attn = raw.get("attn_implementation")
    if attn is not None and not isinstance(attn, str):
        raise _fail("hyperparameters.attn_implementation", "a string or null", attn)
    values["attn_implementation"] = attn

    validation_file = params.get("validation_file")
    parsed = TrainParams(
        base_model=_path("base_model", params.get("base_model")),
        train_file=_path("train_file", params.get("train_file")),
        output_dir=_path("output_dir", params.get("output_dir")),
        validation_file=None if validation_file is None else _path("validation_file", validation_file),
        resume=_boolean("resume", params.get("resume", False)),
        save_merged=_boolean("save_merged", params.get("save_merged", False)),
        export_gguf=_boolean("export_gguf", params.get("export_gguf", True)),
        hyperparameters=Hyperparameters(**values),
    )
    return parsed, warnings
