"""The training run: LoRA SFT with transformers + peft, optimizer steps, validation, checkpoints, export."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import WorkerFailure
from . import batching, checkpoints
from .data import Example, load_dataset
from .params import TrainParams
from .world import SINGLE_PROCESS, World

Emit = Callable[[str, dict], None]

#: Settings that may change between an interrupted run and its resumption without changing the run
#: (they change speed, memory or where it stops, not the data order or the optimization).
_RESUMABLE_CHANGES = {"max_steps", "checkpoint_every_steps", "device", "gradient_checkpointing", "precision", "gpus", "attn_implementation"}


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _file_digest(path: str | None) -> str | None:
    if path is None:
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_fingerprint(params: TrainParams) -> str:
    """What a checkpoint must share with the run that resumes it: data, base, and the settings that
    shape data order and optimization."""
    hyperparameters = {
        key: value for key, value in params.to_dict()["hyperparameters"].items() if key not in _RESUMABLE_CHANGES
    }
    payload = {
        "base_model": params.base_model,
        "train": _file_digest(params.train_file),
        "validation": _file_digest(params.validation_file),
        "hyperparameters": hyperparameters,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


class Trainer:
    """One `train` request. `run()` returns PROTOCOL.md's result dict."""

    def __init__(self, params: TrainParams, emit: Emit, stop_event: threading.Event, world: World = SINGLE_PROCESS):
        self.params = params
        self.hp = params.hyperparameters
        self.emit = emit
        self.stop_event = stop_event
        self.world = world
        self.output_dir = Path(params.output_dir)

    def log(self, level: str, message: str) -> None:
        self.emit("log", {"level": level, "message": message})

    # ---------------------------------------------------------------- setup

    def _setup(self) -> None:
        import torch
        from peft import LoraConfig, get_peft_model

        from ..modeling import load_base_model, resolve_device

        hp = self.hp
        if self.world.distributed:
            self.device = f"cuda:{self.world.local_rank}"
            torch.cuda.set_device(self.world.local_rank)
        else:
            self.device = resolve_device(hp.device)
        self.precision = hp.precision or ("bf16" if self.device.startswith("cuda") else "fp32")
        seed_everything(hp.seed)
        if self.device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats(self.device)

        model, tokenizer = load_base_model(
            self.params.base_model, self.precision, self.device, attn_implementation=hp.attn_implementation, log=self.log
        )
        model.config.use_cache = False
        self.tokenizer = tokenizer
        self.pad_id = next(
            (token_id for token_id in (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id) if token_id is not None),
            0,
        )

        self.train_examples, skipped = load_dataset(tokenizer, self.params.train_file, hp.max_length)
        if skipped:
            self.log("warn", f"{skipped} training conversation(s) skipped: no assistant token within max_length {hp.max_length}.")
        if not self.train_examples:
            raise WorkerFailure("dataset_error", f"{self.params.train_file}: no conversation has an assistant token within max_length {hp.max_length}.")
        self.validation_examples: list[Example] = []
        if self.params.validation_file is not None:
            self.validation_examples, skipped = load_dataset(tokenizer, self.params.validation_file, hp.max_length)
            if skipped:
                self.log("warn", f"{skipped} validation conversation(s) skipped: no assistant token within max_length {hp.max_length}.")

        self.packed = False
        if hp.batching == "padding-free":
            supported, reason = batching.packing_support(model)
            if supported:
                self.packed = True
                self.log("info", f"padding-free batches: {reason}.")
            else:
                self.log("warn", f"padding-free batching unavailable ({reason}); falling back to length-grouped batches.")

        if hp.gradient_checkpointing:
            # Non-reentrant checkpointing works with a frozen base (no input grads needed) and with DDP.
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})

        self.export_gguf = self.params.export_gguf
        if self.export_gguf:
            from ..gguf_lora import gguf_architecture

            try:
                gguf_architecture(model.config.to_dict())
            except WorkerFailure as error:
                self.log("warn", f"GGUF export disabled: {error.message}")
                self.export_gguf = False

        lora_config = LoraConfig(
            r=hp.rank,
            lora_alpha=hp.lora_alpha,
            lora_dropout=hp.dropout,
            bias=hp.bias,
            target_modules=list(hp.target_modules),
            task_type="CAUSAL_LM",
        )
        # LoRA's A matrices are initialized from the global generator: seed it so a run (and the run
        # that resumes it) starts from the same adapter.
        torch.manual_seed(hp.seed)
        try:
            self.peft_model = get_peft_model(model, lora_config)
        except ValueError as error:
            raise WorkerFailure("invalid_params", f"LoRA target modules {list(hp.target_modules)}: {error}") from error

        self.forward_model = self.peft_model
        if self.world.distributed:
            from torch.nn.parallel import DistributedDataParallel

            self.forward_model = DistributedDataParallel(self.peft_model, device_ids=[self.world.local_rank])

        from .schedule import build_optimizer, build_scheduler

        self.steps_per_epoch = batching.steps_per_epoch(len(self.train_examples), hp.micro_batch_size, hp.gradient_accumulation_steps)
        self.total_steps = self.steps_per_epoch * hp.epochs
        self.optimizer = build_optimizer(self.peft_model.parameters(), hp, self.device)
        self.scheduler = build_scheduler(self.optimizer, hp, self.total_steps)
        self.autocast_dtype = torch.bfloat16 if next(
            (p.dtype for n, p in self.peft_model.named_parameters() if "lora_" not in n and p.is_floating_point()), torch.float32
        ) == torch.bfloat16 else None
        self.fingerprint = run_fingerprint(self.params)

    def _autocast(self):
        import torch

        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda" if self.device.startswith("cuda") else "cpu", dtype=self.autocast_dtype)

    def _resume(self) -> tuple[int, float | None, float | None]:
        """(start step, last loss, last validation loss): from the newest checkpoint when resuming."""
        if not self.params.resume:
            if checkpoints.checkpoints_dir(self.output_dir).exists() and self.world.is_main:
                self.log("info", "resume is false: removing the previous run's checkpoints.")
                shutil.rmtree(checkpoints.checkpoints_dir(self.output_dir))
            self.world.barrier()
            return 0, None, None
        latest = checkpoints.latest_checkpoint(self.output_dir)
        if latest is None:
            return 0, None, None
        state = checkpoints.read_trainer_state(latest)
        if state.get("fingerprint") != self.fingerprint or state.get("total_steps") != self.total_steps:
            raise WorkerFailure(
                "invalid_params",
                f"checkpoint {latest} belongs to a run with different data or hyper-parameters; "
                "set resume to false to start over (its checkpoints are then removed), or use another output_dir.",
            )
        state = checkpoints.load_checkpoint(latest, self.peft_model, self.optimizer, self.scheduler, self.device, rank=self.world.rank)
        step = int(state["global_step"])
        self.log("info", f"resuming from {latest} (step {step} of {self.total_steps}).")
        return step, state.get("last_loss"), state.get("validation_loss")

    # ---------------------------------------------------------------- steps

    def _collate(self, indices: list[int], examples: list[Example]) -> batching.Batch:
        chosen = [examples[index] for index in indices]
        batch = batching.collate_packed(chosen) if self.packed else batching.collate_padded(chosen, self.pad_id)
        return batch.to(self.device)

    def _loss_sum(self, batch: batching.Batch):
        """Summed token cross-entropy of a batch; logits only at positions that have a target."""
        import torch
        import torch.nn.functional as F

        has_target = batch.targets != -100
        keep = has_target.any(dim=0).nonzero().squeeze(1)
        kwargs: dict[str, Any] = {"input_ids": batch.input_ids, "use_cache": False, "logits_to_keep": keep}
        if batch.attention_mask is not None:
            kwargs["attention_mask"] = batch.attention_mask
        if batch.position_ids is not None:
            kwargs["position_ids"] = batch.position_ids
        logits = self.forward_model(**kwargs).logits
        targets = batch.targets.index_select(1, keep)
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100, reduction="sum")

    def _shard(self, micro_batch: list[int]) -> tuple[list[int], float]:
        """This rank's share of a micro-batch and its weight (0 for a placeholder when it got none, so
        every rank still joins DDP's gradient all-reduce)."""
        if not self.world.distributed:
            return micro_batch, 1.0
        mine = micro_batch[self.world.rank :: self.world.world_size]
        return (mine, 1.0) if mine else (micro_batch[:1], 0.0)

    def _train_step(self, micro_batches: list[list[int]]) -> tuple[float, int]:
        """One optimizer step over its micro-batches: (mean token loss, non-padding tokens)."""
        # Normalizing by the step's total target tokens makes the accumulated gradient that of the mean
        # token loss over the whole step, however the examples fall into micro-batches (and ranks).
        step_loss_tokens = sum(self.train_examples[index].loss_tokens for micro in micro_batches for index in micro)
        scale = self.world.world_size / step_loss_tokens  # DDP averages gradients over ranks
        loss_total = 0.0
        tokens = 0
        self.forward_model.train()
        for position, micro in enumerate(micro_batches):
            indices, weight = self._shard(micro)
            batch = self._collate(indices, self.train_examples)
            last = position == len(micro_batches) - 1
            sync = contextlib.nullcontext() if (last or not self.world.distributed) else self.forward_model.no_sync()
            with sync:
                with self._autocast():
                    loss_sum = self._loss_sum(batch)
                (loss_sum * (scale * weight)).backward()
            loss_total += float(loss_sum.detach()) * weight
            tokens += batch.tokens if weight else 0
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        loss_total, tokens = self.world.sum([loss_total, float(tokens)], self.device)
        return loss_total / step_loss_tokens, int(tokens)

    def _validate(self) -> float | None:
        import torch

        if not self.validation_examples:
            return None
        order = sorted(range(len(self.validation_examples)), key=lambda index: -self.validation_examples[index].length)
        size = self.hp.micro_batch_size
        loss_sum, count = 0.0, 0
        self.forward_model.eval()
        with torch.no_grad():
            for start in range(0, len(order), size):
                micro = order[start : start + size]
                indices, weight = self._shard(micro)
                if not weight:
                    continue
                batch = self._collate(indices, self.validation_examples)
                with self._autocast():
                    loss_sum += float(self._loss_sum(batch))
                count += batch.loss_tokens
        self.forward_model.train()
        loss_sum, count = self.world.sum([loss_sum, float(count)], self.device)
        return loss_sum / count

    def _save_checkpoint(self, step: int, last_loss: float | None, validation_loss: float | None) -> Path:
        state = {
            "epoch": step / self.steps_per_epoch,
            "total_steps": self.total_steps,
            "steps_per_epoch": self.steps_per_epoch,
            "fingerprint": self.fingerprint,
            "last_loss": last_loss,
            "validation_loss": validation_loss,
            "world_size": self.world.world_size,
        }
        rng_states = self.world.gather(checkpoints.capture_rng_state())
        path = checkpoints.checkpoint_path(self.output_dir, step)
        if self.world.is_main:
            rng_state = rng_states[0] if len(rng_states) == 1 else {"ranks": rng_states}
            path = checkpoints.save_checkpoint(self.output_dir, step, self.peft_model, self.optimizer, self.scheduler, state, rng_state)
            self.emit("checkpoint-save", {"step": step, "path": str(path)})
        self.world.barrier()
        return path

    # ---------------------------------------------------------------- run

    def run(self) -> dict[str, Any]:
        import torch

        from .schedule import current_lr_beta1

        hp = self.hp
        self._setup()
        start_step, last_loss, validation_loss = self._resume()
        self.emit(
            "train-start",
            {
                "total_steps": self.total_steps,
                "steps_per_epoch": self.steps_per_epoch,
                "start_step": start_step,
                "train_examples": len(self.train_examples),
                "validation_examples": len(self.validation_examples),
                "train_tokens": sum(example.length for example in self.train_examples),
            },
        )
        stop_at = self.total_steps if hp.max_steps is None else min(self.total_steps, hp.max_steps)
        lengths = [example.length for example in self.train_examples]
        step = start_step
        saved_at = start_step if start_step else None
        cancelled = False
        while step < stop_at:
            epoch = step // self.steps_per_epoch
            plan = batching.plan_epoch(lengths, hp.micro_batch_size, hp.gradient_accumulation_steps, hp.seed, epoch, group_by_length=not self.packed)
            for micro_batches in plan[step - epoch * self.steps_per_epoch :]:
                if self.world.any(self.stop_event.is_set(), self.device):
                    cancelled = True
                    break
                started = time.perf_counter()
                learning_rate, beta1 = current_lr_beta1(self.optimizer)
                loss, tokens = self._train_step(micro_batches)
                elapsed = time.perf_counter() - started
                step += 1
                last_loss = loss
                event: dict[str, Any] = {
                    "step": step,
                    "total_steps": self.total_steps,
                    "epoch": step / self.steps_per_epoch,
                    "loss": _finite_or_none(loss),
                    "learning_rate": learning_rate,
                    "beta1": beta1,
                    "tokens": tokens,
                    "tokens_per_second": tokens / elapsed if elapsed > 0 else None,
                }
                if event["loss"] is None:
                    event["non_finite"] = True
                self.emit("step-end", event)
                epoch_end = step % self.steps_per_epoch == 0
                if epoch_end and self.validation_examples:
                    validation_loss = self._validate()
                    self.emit("eval-end", {"step": step, "epoch": step / self.steps_per_epoch, "validation_loss": _finite_or_none(validation_loss)})
                every = hp.checkpoint_every_steps
                if epoch_end or (every and step % every == 0) or step == stop_at:
                    self._save_checkpoint(step, last_loss, validation_loss)
                    saved_at = step
                if step >= stop_at:
                    break
            if cancelled:
                break

        result: dict[str, Any] = {
            "status": "cancelled" if cancelled else "succeeded",
            "steps": step,
            "final_loss": None if last_loss is None else _finite_or_none(last_loss),
            "validation_loss": None if validation_loss is None else _finite_or_none(validation_loss),
            "adapter_dir": None,
            "gguf_adapter_path": None,
            "merged_dir": None,
            "peak_memory_bytes": int(torch.cuda.max_memory_allocated(self.device)) if self.device.startswith("cuda") else None,
        }
        if cancelled:
            if step > 0 and saved_at != step:
                self._save_checkpoint(step, last_loss, validation_loss)
            if step > 0:
                # The checkpoint is a complete PEFT adapter folder; run/adapter stays for finished runs.
                result["adapter_dir"] = str(checkpoints.checkpoint_path(self.output_dir, step))
            return result
        if self.world.is_main:
            self._export(result)
        self.world.barrier()
        return result

    def _export(self, result: dict[str, Any]) -> None:
        from .export import export_gguf_adapter, save_adapter, save_merged_model

        adapter_dir = save_adapter(self.peft_model, self.tokenizer, self.output_dir / "adapter", self.params.base_model)
        result["adapter_dir"] = str(adapter_dir)
        if self.export_gguf:
            path = export_gguf_adapter(adapter_dir, self.params.base_model, self.output_dir / "adapter.gguf", self.log)
            result["gguf_adapter_path"] = None if path is None else str(path)
        if self.params.save_merged:
            result["merged_dir"] = str(save_merged_model(self.params.base_model, adapter_dir, self.output_dir / "merged", self.precision))
