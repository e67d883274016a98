"""Training throughput and peak memory: tonekit's worker loop against a plain HF Trainer + PEFT baseline.

    python packages/trainer/python/bench/bench_train.py [--preset tiny|llama-3.2-1b] [--device auto|cpu|cuda]
        [--steps N] [--warmup W] [--examples M] [--seq-len-range 64,512] [--precision bf16|int8|fp32]
        [--micro-batch 16] [--grad-accum 2] [--batching length-grouped[,padding-free]]
        [--attn-implementation sdpa] [--rounds 1] [--work-dir DIR] [--json out.json]

Both sides train the same random-init model on the same synthetic chat data with the paper's LoRA
settings (r = alpha = 32 on q/k/v, dropout 0.2, bias "lora_only", AdamW with beta1 cycling 0.85-0.95,
OneCycleLR max_lr 2e-4 / pct_start 0.3 / cos / div 25 / final div 1e3, micro-batch x accumulation
16 x 2), each in its own fresh subprocess so that peak memory is the process's own:

* ours: `tonekit_worker.training.run_training`, called in-process exactly as the protocol layer calls
  it (a model folder and a chat JSONL file in, `step-end` events out), with its batching
  (length-grouped by default, padding-free on request), its assistant-only loss and logits only where
  there is a target;
* baseline: transformers' `Trainer` + peft's `get_peft_model` with the same LoraConfig, the same AdamW
  and OneCycleLR (passed through `optimizers=`, since Trainer has no OneCycleLR), the same
  micro-batch and accumulation, `DataCollatorForSeq2Seq` padding to the longest row, Trainer's random
  sampler, `bf16=True` when the precision is bf16. To compare training loops, not loading choices, it
  loads the base in the same dtype as ours and sets `use_cache=False`, like ours; no gradient clipping
  (ours does not clip).

Throughput = non-padding tokens of the timed optimizer steps / their wall-clock time (from the end of
warm-up step W to the end of step W + N, CUDA synchronized). Peak memory = `torch.cuda.max_memory_allocated`
on CUDA, the process's peak RSS (`getrusage` ru_maxrss) on CPU; the output names which. Everything
printed is measured in this run; nothing is hard-coded.

The data: M conversations (system, user, assistant) of seeded random total length in the range,
random token ids, rendered with a ChatML template by a word-level tokenizer whose vocabulary is the
model's, so each word is one token; the loss covers the assistant turn only (the prompt prefix is
masked), as in a real run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# Model writes and loads show tqdm bars otherwise; the bench prints its own lines.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

PYTHON_DIR = Path(__file__).resolve().parent.parent
if str(PYTHON_DIR) not in sys.path:
    # Runs from a checkout without PYTHONPATH: tonekit_worker is the sibling package.
    sys.path.insert(0, str(PYTHON_DIR))

#: Llama 3.2 1B's architecture (meta-llama/Llama-3.2-1B config.json), random weights.
LLAMA_3_2_1B = {
    "vocab_size": 128256,
    "hidden_size": 2048,
    "intermediate_size": 8192,
    "num_hidden_layers": 16,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "max_position_embeddings": 131072,
    "rms_norm_eps": 1e-5,
    "tie_word_embeddings": True,
    "rope_parameters": {
        "rope_type": "llama3",
        "rope_theta": 500000.0,
        "factor": 32.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192,
    },
}

#: The same shape ratios (4:1 grouped-query attention, 4x feed-forward, tied embeddings, llama3 rope),
#: small enough for a CPU run of a couple of minutes.
TINY = {**LLAMA_3_2_1B, "vocab_size": 4096, "hidden_size": 256, "intermediate_size": 1024, "num_hidden_layers": 4,
        "num_attention_heads": 8, "num_key_value_heads": 2}

PRESETS: dict[str, dict[str, Any]] = {
    "llama-3.2-1b": {"config": LLAMA_3_2_1B, "steps": 20, "warmup": 5, "micro_batch": 16, "seq_len_range": (64, 512)},
    # Micro-batch 4 (x 2) and shorter conversations keep the two CPU runs within about a minute on 2 cores.
    "tiny": {"config": TINY, "steps": 16, "warmup": 3, "micro_batch": 4, "seq_len_range": (64, 256)},
}

SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
ROLE_WORDS = ["system", "user", "assistant"]
#: Tokens the ChatML template adds per conversation of three messages: <|im_start|> role ... <|im_end|> x 3.
TEMPLATE_TOKENS = 9
SYSTEM_PROMPT_WORDS = 16
SEED = 713
GOAL_TOKENS_PER_SECOND_RATIO = 2.0
GOAL_PEAK_MEMORY_RATIO = 0.5


# ---------------------------------------------------------------- the model and data (parent)


def write_model(model_dir: Path, preset: str, precision: str) -> dict[str, Any]:
    """A random-init LlamaForCausalLM of the preset's architecture plus a word-level tokenizer whose
    vocabulary is the model's (token `t<id>` is id <id>) and a ChatML template; nothing is downloaded."""
    import torch
    from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM

    from tonekit_worker.testing.tiny_llama import CHATML_TEMPLATE

    architecture = PRESETS[preset]["config"]
    vocab_size = architecture["vocab_size"]
    vocabulary = {token: index for index, token in enumerate(SPECIAL_TOKENS + ROLE_WORDS)}
    first_word = len(vocabulary)
    vocabulary.update({f"t{index}": index for index in range(first_word, vocab_size)})
    tokenizer = Tokenizer(models.WordLevel(vocab=vocabulary, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in SPECIAL_TOKENS])
    model_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(model_dir / "tokenizer.json"))
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "<|im_end|>",
        "unk_token": "<unk>",
        "pad_token": None,
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": architecture["max_position_embeddings"],
        "chat_template": CHATML_TEMPLATE,
    }
    (model_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n")

    config = LlamaConfig(**architecture, bos_token_id=1, eos_token_id=SPECIAL_TOKENS.index("<|im_end|>"), pad_token_id=None)
    torch.manual_seed(SEED)
    model = LlamaForCausalLM(config)
    # bf16 on disk halves the 1B's write and read; the runs load it in their own precision anyway.
    dtype = torch.float32 if precision == "fp32" else torch.bfloat16
    model.to(dtype).save_pretrained(str(model_dir), safe_serialization=True)
    parameters = sum(parameter.numel() for parameter in model.parameters())
    del model
    return {"parameters": parameters, "first_word_id": first_word, "vocab_size": vocab_size}


def write_conversations(path: Path, examples: int, seq_len_range: tuple[int, int], first_word_id: int, vocab_size: int) -> None:
    """Chat JSONL: each conversation's total token count is drawn uniformly from the range; a
    16-word system prompt, a user turn of 20-60 % of the rest, the assistant turn takes the remainder."""
    low, high = seq_len_range
    generator = random.Random(SEED)

    def words(count: int) -> str:
        return " ".join(f"t{generator.randrange(first_word_id, vocab_size)}" for _ in range(count))

    with path.open("w", encoding="utf-8") as handle:
        for _ in range(examples):
            total = generator.randint(low, high)
            free = total - TEMPLATE_TOKENS - SYSTEM_PROMPT_WORDS
            user = max(1, round(free * generator.uniform(0.2, 0.6)))
            assistant = max(1, free - user)
            messages = [
                {"role": "system", "content": words(SYSTEM_PROMPT_WORDS)},
                {"role": "user", "content": words(user)},
                {"role": "assistant", "content": words(assistant)},
            ]
            handle.write(json.dumps({"messages": messages}) + "\n")


def data_summary(model_dir: Path, train_file: Path, max_length: int) -> dict[str, Any]:
    """Token statistics of the data as the worker tokenizes it (both runs read the same examples)."""
    from transformers import AutoTokenizer

    from tonekit_worker.training.data import load_dataset

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    examples, skipped = load_dataset(tokenizer, train_file, max_length)
    lengths = sorted(example.length for example in examples)
    return {
        "examples": len(examples),
        "skipped": skipped,
        "tokens": sum(lengths),
        "loss_tokens": sum(example.loss_tokens for example in examples),
        "min_length": lengths[0],
        "median_length": lengths[len(lengths) // 2],
        "max_length": lengths[-1],
    }


# ---------------------------------------------------------------- measuring (children)


def _synchronize(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _peak_memory(device: str) -> tuple[int, str]:
    """(bytes, metric) of this process: CUDA's allocator peak on a GPU, peak RSS on CPU."""
    import torch

    if device.startswith("cuda"):
        return int(torch.cuda.max_memory_allocated()), "cuda_max_memory_allocated"
    return _peak_rss(), "peak_rss"


def _peak_rss() -> int:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(value if sys.platform == "darwin" else value * 1024)


class StepClock:
    """Wall-clock and token count from the end of warm-up step W to the end of step W + N."""

    def __init__(self, device: str, warmup: int, steps: int):
        self.device, self.warmup, self.last = device, warmup, warmup + steps
        self.started: float | None = None
        self.finished: float | None = None
        self.tokens_at_start = 0
        self.tokens_at_end = 0

    def step_end(self, step: int, tokens_so_far: int) -> None:
        if step not in (self.warmup, self.last):
            return
        _synchronize(self.device)
        now = time.perf_counter()
        if step == self.warmup:
            self.started, self.tokens_at_start = now, tokens_so_far
        if step == self.last:
            self.finished, self.tokens_at_end = now, tokens_so_far

    def measurement(self) -> dict[str, Any]:
        if self.started is None or self.finished is None:
            raise RuntimeError(f"the run stopped before step {self.last}: no measurement")
        seconds = self.finished - self.started
        tokens = self.tokens_at_end - self.tokens_at_start
        return {"timed_steps": self.last - self.warmup, "tokens": tokens, "seconds": seconds, "tokens_per_second": tokens / seconds}


def child_ours(spec: dict[str, Any]) -> dict[str, Any]:
    """tonekit's worker loop, through the same entry point the protocol layer calls."""
    from tonekit_worker.training import run_training

    device = spec["device"]
    clock = StepClock(device, spec["warmup"], spec["steps"])
    losses: list[float | None] = []
    logs: list[str] = []
    tokens_so_far = 0

    def emit(event_type: str, fields: dict) -> None:
        nonlocal tokens_so_far
        if event_type == "step-end":
            tokens_so_far += int(fields["tokens"])
            losses.append(fields["loss"])
            clock.step_end(int(fields["step"]), tokens_so_far)
        elif event_type == "log":
            logs.append(f"{fields['level']}: {fields['message']}")
            print(f"worker {fields['level']}: {fields['message']}", flush=True)

    hyperparameters: dict[str, Any] = {
        "micro_batch_size": spec["micro_batch"],
        "gradient_accumulation_steps": spec["grad_accum"],
        "max_steps": spec["warmup"] + spec["steps"],
        "precision": spec["precision"],
        "device": device,
        "batching": spec["batching"],
        "max_length": spec["max_length"],
        "seed": SEED,
    }
    if spec.get("attn_implementation"):
        hyperparameters["attn_implementation"] = spec["attn_implementation"]
    params = {
        "base_model": spec["model_dir"],
        "train_file": spec["train_file"],
        "output_dir": spec["output_dir"],
        "export_gguf": False,
        "hyperparameters": hyperparameters,
    }
    started = time.perf_counter()
    result = run_training(params, emit, threading.Event())
    peak, metric = _peak_memory(device)
    # The worker says when padding-free batches are not usable with this model and falls back.
    fell_back = spec["batching"] == "padding-free" and any("falling back" in line for line in logs)
    finite = [loss for loss in losses if loss is not None]
    return {
        **clock.measurement(),
        "label": f"ours ({spec['batching']}{' -> fell back to length-grouped' if fell_back else ''})",
        "kind": "ours",
        "batching": spec["batching"],
        "steps_run": result["steps"],
        "mean_loss": sum(finite) / len(finite) if finite else None,
        "non_finite_losses": len(losses) - len(finite),
        "peak_memory_bytes": peak,
        "memory_metric": metric,
        "peak_rss_bytes": _peak_rss(),
        "wall_seconds": time.perf_counter() - started,
    }


def child_baseline(spec: dict[str, Any]) -> dict[str, Any]:
    """A plain transformers Trainer + peft LoRA run on the same model, data and optimizer settings."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer, TrainerCallback, TrainingArguments

    from tonekit_worker.training.batching import total_steps
    from tonekit_worker.training.data import load_dataset
    from tonekit_worker.training.params import Hyperparameters
    from tonekit_worker.training.schedule import build_optimizer, build_scheduler

    device = spec["device"]
    precision = spec["precision"]
    # The worker's defaults are the paper's settings; reading them here keeps both sides identical.
    hp = Hyperparameters(micro_batch_size=spec["micro_batch"], gradient_accumulation_steps=spec["grad_accum"])
    started = time.perf_counter()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    tokenizer = AutoTokenizer.from_pretrained(spec["model_dir"], local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token  # the usual recipe for models shipped without one
    # The same tokenized examples as ours (chat template, assistant-only labels), as plain features.
    examples, _ = load_dataset(tokenizer, spec["train_file"], spec["max_length"])
    dataset = [{"input_ids": e.input_ids, "attention_mask": [1] * e.length, "labels": e.labels} for e in examples]

    load_kwargs: dict[str, Any] = {"dtype": torch.float32 if precision == "fp32" else torch.bfloat16, "local_files_only": True}
    if spec.get("attn_implementation"):
        load_kwargs["attn_implementation"] = spec["attn_implementation"]
    if precision == "int8":
        from tonekit_worker.int8 import bitsandbytes_quantization_config

        load_kwargs["quantization_config"] = bitsandbytes_quantization_config()
        load_kwargs["device_map"] = {"": device}
    model = AutoModelForCausalLM.from_pretrained(spec["model_dir"], **load_kwargs)
    if precision != "int8":
        model.to(device)
    model.config.use_cache = False
    torch.manual_seed(SEED)
    lora = LoraConfig(
        r=hp.rank,
        lora_alpha=hp.lora_alpha,
        lora_dropout=hp.dropout,
        bias=hp.bias,
        target_modules=list(hp.target_modules),
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)

    # torch's AdamW (fused on CUDA, as transformers' default "adamw_torch_fused" is on torch >= 2.8) and
    # torch's OneCycleLR, built by the worker's two thin wrappers so the settings cannot drift apart;
    # Trainer has no OneCycleLR of its own. The schedule spans the whole 5-epoch run, as ours does.
    optimizer = build_optimizer(model.parameters(), hp, device)
    scheduler = build_scheduler(optimizer, hp, total_steps(len(dataset), hp.micro_batch_size, hp.gradient_accumulation_steps, hp.epochs))
    clock = StepClock(device, spec["warmup"], spec["steps"])

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            clock.step_end(state.global_step, int(state.num_input_tokens_seen))

    arguments = TrainingArguments(
        output_dir=spec["output_dir"],
        per_device_train_batch_size=spec["micro_batch"],
        gradient_accumulation_steps=spec["grad_accum"],
        max_steps=spec["warmup"] + spec["steps"],
        learning_rate=hp.learning_rate,
        weight_decay=hp.weight_decay,
        max_grad_norm=0.0,  # ours does not clip
        # ours autocasts to bf16 whenever the base is held in bf16: bf16, and int8 on CUDA.
        bf16=precision == "bf16" or (precision == "int8" and device.startswith("cuda")),
        use_cpu=device == "cpu",
        seed=SEED,
        include_num_input_tokens_seen="non_padding",
        logging_strategy="no",
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=arguments,
        train_dataset=dataset,
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100),
        optimizers=(optimizer, scheduler),
        callbacks=[Clock()],
    )
    from transformers.trainer_callback import PrinterCallback

    # Its end-of-training summary times the whole run (setup and warm-up included): not our figure.
    trainer.remove_callback(PrinterCallback)
    output = trainer.train()
    peak, metric = _peak_memory(device)
    return {
        **clock.measurement(),
        "label": "baseline (HF Trainer + PEFT)",
        "kind": "baseline",
        "batching": "padded (DataCollatorForSeq2Seq)",
        "steps_run": int(output.global_step),
        "mean_loss": float(output.training_loss),
        "non_finite_losses": 0 if math.isfinite(output.training_loss) else 1,
        "peak_memory_bytes": peak,
        "memory_metric": metric,
        "peak_rss_bytes": _peak_rss(),
        "wall_seconds": time.perf_counter() - started,
    }


def run_child(kind: str, spec_path: str, result_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    result = child_ours(spec) if kind == "ours" else child_baseline(spec)
    Path(result_path).write_text(json.dumps(result, indent=2) + "\n")


# ---------------------------------------------------------------- orchestration (parent)


def spawn(kind: str, spec: dict[str, Any], work_dir: Path, tag: str) -> dict[str, Any]:
    """One run in a fresh interpreter, its output streamed with a prefix; returns its measurements."""
    spec_path = work_dir / f"{tag}.spec.json"
    result_path = work_dir / f"{tag}.result.json"
    spec_path.write_text(json.dumps(spec, indent=2))
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PYTHON_DIR), os.environ.get("PYTHONPATH")]))}
    # Quiet the libraries' progress bars and advice; errors and warnings still come through.
    environment.setdefault("TRANSFORMERS_VERBOSITY", "error")
    environment.setdefault("TOKENIZERS_PARALLELISM", "false")
    busy_before, children_before, wall_before = _busy_cpu_seconds(), _children_cpu_seconds(), time.monotonic()
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--spec", str(spec_path), "--result", str(result_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    assert process.stdout is not None
    for line in process.stdout:
        print(f"  [{tag}] {line.rstrip()}", flush=True)
    code = process.wait()
    if code != 0 or not result_path.exists():
        raise SystemExit(f"the {tag} run failed (exit {code}); its last output is above.")
    result = json.loads(result_path.read_text())
    # Other work on the machine skews the figures (a CPU run most): the share of the machine's CPU
    # time that processes other than this run used while it ran says whether there was any.
    busy_after = _busy_cpu_seconds()
    if busy_before is not None and busy_after is not None:
        others = (busy_after - busy_before) - (_children_cpu_seconds() - children_before)
        available = (time.monotonic() - wall_before) * (os.cpu_count() or 1)
        result["other_processes_cpu_share"] = max(0.0, others / available)
    else:
        result["other_processes_cpu_share"] = None
    return result


def _busy_cpu_seconds() -> float | None:
    """CPU time all processes have used since boot (Linux /proc/stat), or None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def resolve_device(requested: str) -> tuple[str, str]:
    import torch

    if requested == "cuda" and not torch.cuda.is_available():
        raise SystemExit(f"--device cuda: torch {torch.__version__} sees no CUDA GPU; use --device cpu or auto.")
    device = "cuda" if requested == "cuda" or (requested == "auto" and torch.cuda.is_available()) else "cpu"
    name = torch.cuda.get_device_name(0) if device == "cuda" else (platform.processor() or platform.machine())
    return device, name


def _bytes(value: int) -> str:
    return f"{value / 2**30:.2f} GiB" if value >= 2**30 else f"{value / 2**20:.0f} MiB"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per configuration: the median over rounds of tokens/s (and of its tokens and seconds),
    the largest peak memory."""
    rows: list[dict[str, Any]] = []
    for label in dict.fromkeys(run["label"] for run in runs):
        mine = [run for run in runs if run["label"] == label]
        losses = [run["mean_loss"] for run in mine if run["mean_loss"] is not None]
        rows.append(
            {
                "label": label,
                "kind": mine[0]["kind"],
                "rounds": len(mine),
                "timed_steps": mine[0]["timed_steps"],
                "tokens": _median([run["tokens"] for run in mine]),
                "seconds": _median([run["seconds"] for run in mine]),
                "tokens_per_second": _median([run["tokens_per_second"] for run in mine]),
                "tokens_per_second_each": [run["tokens_per_second"] for run in mine],
                "peak_memory_bytes": max(run["peak_memory_bytes"] for run in mine),
                "memory_metric": mine[0]["memory_metric"],
                "mean_loss": sum(losses) / len(losses) if losses else None,
                "other_processes_cpu_share_max": max((run["other_processes_cpu_share"] or 0.0) for run in mine)
                if any(run["other_processes_cpu_share"] is not None for run in mine)
                else None,
            }
        )
    return rows


def report(results: list[dict[str, Any]], device: str) -> list[dict[str, Any]]:
    metric = results[0]["memory_metric"]
    metric_name = "CUDA max_memory_allocated" if metric == "cuda_max_memory_allocated" else "peak RSS of the process"
    header = f"{'run':<44} {'steps':>5} {'tokens':>9} {'seconds':>8} {'tokens/s':>10} {'peak memory':>12} {'mean loss':>9}"
    print()
    rounds = results[0]["rounds"]
    print(f"peak memory = {metric_name}" + (f"; median of {rounds} rounds (tokens, seconds, tokens/s), largest peak" if rounds > 1 else ""))
    print(header)
    print("-" * len(header))
    for result in results:
        loss = "-" if result["mean_loss"] is None else f"{result['mean_loss']:.3f}"
        print(
            f"{result['label']:<44} {result['timed_steps']:>5} {result['tokens']:>9.0f} {result['seconds']:>8.2f} "
            f"{result['tokens_per_second']:>10.1f} {_bytes(result['peak_memory_bytes']):>12} {loss:>9}"
        )
        if rounds > 1:
            print(f"{'':<44} tokens/s per round: " + ", ".join(f"{value:.1f}" for value in result["tokens_per_second_each"]))
    if results[0]["other_processes_cpu_share_max"] is not None:
        print(
            f"CPU time used by other processes while each run ran (share of {os.cpu_count()} CPUs; near 0 = a quiet machine): "
            + ", ".join(f"{result['label']} {result['other_processes_cpu_share_max']:.0%}" for result in results)
        )
    baseline = next(result for result in results if result["kind"] == "baseline")
    ratios = []
    print()
    for result in results:
        if result["kind"] != "ours":
            continue
        speed = result["tokens_per_second"] / baseline["tokens_per_second"]
        memory = result["peak_memory_bytes"] / baseline["peak_memory_bytes"]
        speed_met = speed >= GOAL_TOKENS_PER_SECOND_RATIO
        memory_met = memory <= GOAL_PEAK_MEMORY_RATIO
        print(
            f"{result['label']} / baseline: tokens/s x{speed:.2f} (goal >= {GOAL_TOKENS_PER_SECOND_RATIO:g}: "
            f"{'met' if speed_met else 'not met'}), peak memory x{memory:.2f} (goal <= {GOAL_PEAK_MEMORY_RATIO:g}: "
            f"{'met' if memory_met else 'not met'})"
        )
        ratios.append(
            {
                "run": result["label"],
                "tokens_per_second_ratio": speed,
                "peak_memory_ratio": memory,
                "tokens_per_second_goal_met": speed_met,
                "peak_memory_goal_met": memory_met,
            }
        )
    if device != "cuda":
        print(
            "note: a CPU run. The goals (>= 2x tokens/s, <= 0.5x peak memory) are about the llama-3.2-1b preset "
            "on a GPU; CPU figures (and peak RSS, which includes the interpreter and libraries) say nothing about them."
        )
    return ratios


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--steps", type=int, help="timed optimizer steps (preset default: 20 for llama-3.2-1b, 16 for tiny)")
    parser.add_argument("--warmup", type=int, help="untimed optimizer steps first, >= 1 (preset default: 5 / 3)")
    parser.add_argument("--examples", type=int, help="conversations (default: enough for warmup + steps in one epoch)")
    parser.add_argument("--seq-len-range", help="LOW,HIGH tokens per conversation (preset default: 64,512 / 64,256)")
    parser.add_argument("--precision", choices=["auto", "bf16", "int8", "fp32"], default="auto", help="auto: bf16 on CUDA, fp32 on CPU")
    parser.add_argument("--micro-batch", type=int, help="micro-batch size (preset default: 16 / 4)")
    parser.add_argument("--grad-accum", type=int, default=2)
    parser.add_argument("--batching", default="length-grouped", help="ours: length-grouped, padding-free, or both comma-separated")
    parser.add_argument("--attn-implementation", help='both runs, e.g. "sdpa", "flash_attention_2" (default: transformers\')')
    parser.add_argument("--rounds", type=int, default=1, help="repeat every run, alternating the order; report medians")
    parser.add_argument("--work-dir", help="keep the model, data and runs here (default: a temporary folder, removed)")
    parser.add_argument("--json", help="write the raw measurements here")
    parser.add_argument("--child", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        return arguments
    preset = PRESETS[arguments.preset]
    arguments.steps = preset["steps"] if arguments.steps is None else arguments.steps
    arguments.warmup = preset["warmup"] if arguments.warmup is None else arguments.warmup
    arguments.micro_batch = preset["micro_batch"] if arguments.micro_batch is None else arguments.micro_batch
    if min(arguments.steps, arguments.warmup, arguments.micro_batch, arguments.grad_accum, arguments.rounds) < 1:
        parser.error("--steps, --warmup, --micro-batch, --grad-accum and --rounds must be >= 1 (a warm-up step pays for allocation and kernel selection)")
    if arguments.seq_len_range is None:
        arguments.seq_len_range = preset["seq_len_range"]
    else:
        try:
            low, high = (int(part) for part in arguments.seq_len_range.split(","))
        except ValueError:
            parser.error(f"--seq-len-range must be LOW,HIGH (integers); got {arguments.seq_len_range!r}")
        arguments.seq_len_range = (low, high)
    low, high = arguments.seq_len_range
    minimum = TEMPLATE_TOKENS + SYSTEM_PROMPT_WORDS + 2
    if low < minimum or high < low:
        parser.error(f"--seq-len-range needs {minimum} <= LOW <= HIGH (the template and system prompt take {minimum - 2} tokens); got {low},{high}")
    per_step = arguments.micro_batch * arguments.grad_accum
    needed = (arguments.warmup + arguments.steps) * per_step
    if arguments.examples is None:
        arguments.examples = needed
    elif arguments.examples < needed:
        # Past an epoch end ours validates nothing here but saves a checkpoint, inside the timed window.
        parser.error(f"--examples must be >= (warmup + steps) x micro-batch x accumulation = {needed}, so the timed steps stay in one epoch")
    arguments.batching = [mode.strip() for mode in arguments.batching.split(",") if mode.strip()]
    for mode in arguments.batching:
        if mode not in ("length-grouped", "padding-free"):
            parser.error(f'--batching: "{mode}" is not length-grouped or padding-free')
    return arguments


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    if arguments.child:
        run_child(arguments.child, arguments.spec, arguments.result)
        return

    import peft
    import torch
    import transformers

    device, device_name = resolve_device(arguments.device)
    precision = arguments.precision if arguments.precision != "auto" else ("bf16" if device == "cuda" else "fp32")
    if precision == "int8":
        from tonekit_worker.int8 import bitsandbytes_usable

        if not bitsandbytes_usable(device):
            raise SystemExit(
                "--precision int8: the baseline needs bitsandbytes on CUDA (a plain HF run has no other int8 path); "
                "use --precision bf16 or fp32, or install bitsandbytes on a GPU machine."
            )
    work_dir = Path(arguments.work_dir) if arguments.work_dir else Path(tempfile.mkdtemp(prefix="tonekit-train-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        model_dir = work_dir / "model"
        model_info = write_model(model_dir, arguments.preset, precision)
        train_file = work_dir / "train.jsonl"
        write_conversations(train_file, arguments.examples, arguments.seq_len_range, model_info["first_word_id"], model_info["vocab_size"])
        max_length = arguments.seq_len_range[1]
        data = data_summary(model_dir, train_file, max_length)
        print(
            f"{arguments.preset}: {model_info['parameters'] / 1e6:.1f}M parameters (random init), {precision} on {device} "
            f"({device_name}); torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}, "
            f"{os.cpu_count()} CPUs"
        )
        print(
            f"data: {data['examples']} conversations of {data['min_length']}-{data['max_length']} tokens "
            f"(median {data['median_length']}), {data['loss_tokens'] / data['tokens']:.0%} of tokens trained; "
            f"micro-batch {arguments.micro_batch} x accumulation {arguments.grad_accum}, "
            f"{arguments.warmup} warm-up + {arguments.steps} timed optimizer steps; prepared in {time.perf_counter() - started:.1f} s"
        )
        common = {
            "model_dir": str(model_dir),
            "train_file": str(train_file),
            "device": device,
            "precision": precision,
            "micro_batch": arguments.micro_batch,
            "grad_accum": arguments.grad_accum,
            "warmup": arguments.warmup,
            "steps": arguments.steps,
            "max_length": max_length,
            "attn_implementation": arguments.attn_implementation,
        }
        configurations = [("baseline", "baseline", {})] + [("ours", f"ours-{mode}", {"batching": mode}) for mode in arguments.batching]
        runs = []
        for round_index in range(arguments.rounds):
            # Alternate the order so that drift (heat, other load) hits every configuration alike.
            order = configurations if round_index % 2 == 0 else configurations[::-1]
            for kind, tag, extra in order:
                name = tag if arguments.rounds == 1 else f"{tag}-{round_index + 1}"
                run = spawn(kind, {**common, **extra, "output_dir": str(work_dir / name)}, work_dir, name)
                runs.append({**run, "round": round_index + 1})
        results = summarize(runs)
        ratios = report(results, device)
        if arguments.json:
            payload = {
                "preset": arguments.preset,
                "device": device,
                "device_name": device_name,
                "precision": precision,
                "memory_metric": results[0]["memory_metric"],
                "versions": {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
                "cpus": os.cpu_count(),
                "model_parameters": model_info["parameters"],
                "micro_batch": arguments.micro_batch,
                "grad_accum": arguments.grad_accum,
                "warmup": arguments.warmup,
                "steps": arguments.steps,
                "seq_len_range": list(arguments.seq_len_range),
                "data": data,
                "rounds": arguments.rounds,
                "summary": results,
                "ratios": ratios,
                "runs": runs,
                "goals": {"tokens_per_second_ratio_at_least": GOAL_TOKENS_PER_SECOND_RATIO, "peak_memory_ratio_at_most": GOAL_PEAK_MEMORY_RATIO},
            }
            Path(arguments.json).write_text(json.dumps(payload, indent=2) + "\n")
            print(f"wrote {arguments.json}")
    finally:
        if not arguments.work_dir:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
