"""The learning-rate / beta1 schedule of a real run equals torch's OneCycleLR with the paper's settings."""

from __future__ import annotations

import math
import threading

import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

from tonekit_worker.training import run_training
from tonekit_worker.training.batching import plan_epoch, steps_per_epoch, total_steps
from tonekit_worker.training.params import Hyperparameters, parse_train_params


def reference_schedule(total: int, max_lr: float) -> list[tuple[float, float]]:
    """torch's OneCycleLR on a dummy AdamW: (lr, beta1) in effect at each of `total` optimizer steps."""
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([parameter], lr=max_lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=max_lr,
        total_steps=total,
        pct_start=0.3,
        anneal_strategy="cos",
        div_factor=25.0,
        final_div_factor=1e3,
        cycle_momentum=True,
        base_momentum=0.85,
        max_momentum=0.95,
    )
    values = []
    for _ in range(total):
        values.append((optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["betas"][0]))
        optimizer.step()
        scheduler.step()
    return values


class RealisedSchedule:
    """Records lr and beta1 of the training run's optimizer at every optimizer.step() call."""

    def __init__(self):
        self.values: list[tuple[float, float]] = []
        self.handle = None

    def __enter__(self):
        def hook(optimizer, args, kwargs):
            group = optimizer.param_groups[0]
            self.values.append((group["lr"], group["betas"][0]))

        self.handle = register_optimizer_step_pre_hook(hook)
        return self

    def __exit__(self, *exc):
        self.handle.remove()


def test_paper_defaults():
    params, warnings = parse_train_params({"base_model": "m", "train_file": "t", "output_dir": "o"})
    h = params.hyperparameters
    assert warnings == []
    assert (h.rank, h.lora_alpha, h.dropout, h.bias) == (32, 32.0, 0.2, "lora_only")
    assert h.target_modules == ("q_proj", "k_proj", "v_proj")
    assert (h.learning_rate, h.epochs, h.micro_batch_size, h.gradient_accumulation_steps) == (2e-4, 5, 16, 2)
    assert (h.pct_start, h.anneal_strategy, h.div_factor, h.final_div_factor) == (0.3, "cos", 25.0, 1000.0)
    assert (h.base_momentum, h.max_momentum, h.seed) == (0.85, 0.95, 713)
    assert params.export_gguf is True and params.save_merged is False


@pytest.mark.parametrize(
    ("examples", "micro", "accumulation", "expected"),
    [(8, 3, 2, 2), (9, 3, 2, 2), (10, 3, 2, 2), (13, 3, 2, 3), (9, 2, 2, 3), (32, 16, 2, 1), (33, 16, 2, 2), (9000, 16, 2, 282)],
)
def test_steps_per_epoch_counts_partial_batches(examples, micro, accumulation, expected):
    assert steps_per_epoch(examples, micro, accumulation) == expected
    assert total_steps(examples, micro, accumulation, 5) == 5 * expected
    lengths = [(index * 7) % 13 + 1 for index in range(examples)]
    for group in (True, False):
        plan = plan_epoch(lengths, micro, accumulation, seed=713, epoch=1, group_by_length=group)
        assert len(plan) == expected
        assert all(1 <= len(step) <= accumulation for step in plan)
        assert all(1 <= len(batch) <= micro for step in plan for batch in step)
        assert sorted(index for step in plan for batch in step for index in batch) == list(range(examples))


def _train(tiny_llama_dir, train_file, output_dir, stop_after=None, resume=False):
    events = []
    stop = threading.Event()

    def emit(kind, fields):
        events.append((kind, fields))
        if kind == "step-end" and stop_after is not None and fields["step"] == stop_after:
            stop.set()

    params = {
        "base_model": str(tiny_llama_dir),
        "train_file": str(train_file),
        "output_dir": str(output_dir),
        "resume": resume,
        "export_gguf": False,
        "hyperparameters": {"rank": 4, "epochs": 5, "micro_batch_size": 2, "gradient_accumulation_steps": 2, "device": "cpu", "precision": "fp32"},
    }
    with RealisedSchedule() as schedule:
        result = run_training(params, emit, stop)
    return result, events, schedule.values


def test_realised_schedule_matches_torch_one_cycle_across_resume(tiny_llama_dir, chat_files, tmp_path):
    train, _ = chat_files
    # 9 examples, micro-batch 2, accumulation 2: 5 micro-batches (the last has one example), so 3 steps
    # per epoch (the last has one micro-batch); 5 epochs → 15 steps.
    expected_total = 15
    reference = reference_schedule(expected_total, Hyperparameters().learning_rate)

    result, events, realised = _train(tiny_llama_dir, train, tmp_path / "full")
    start = next(fields for kind, fields in events if kind == "train-start")
    assert (start["total_steps"], start["steps_per_epoch"]) == (expected_total, 3)
    assert result["steps"] == expected_total
    assert len(realised) == expected_total
    for (lr, beta1), (reference_lr, reference_beta1) in zip(realised, reference):
        assert abs(lr - reference_lr) < 1e-12
        assert abs(beta1 - reference_beta1) < 1e-12
    step_events = [fields for kind, fields in events if kind == "step-end"]
    assert [(event["learning_rate"], event["beta1"]) for event in step_events] == realised
    # The shape the paper asks for: start at max_lr / 25, peak at max_lr, end at max_lr / 25 / 1e3.
    assert math.isclose(realised[0][0], 2e-4 / 25, rel_tol=1e-12)
    assert max(lr for lr, _ in realised) <= 2e-4 + 1e-18
    assert realised[0][1] == 0.95 and min(beta for _, beta in realised) < 0.86

    # Interrupted after step 4 (cancel), then resumed: the two halves together are the same schedule.
    first, first_events, first_realised = _train(tiny_llama_dir, train, tmp_path / "resumed", stop_after=4)
    assert first["status"] == "cancelled" and first["steps"] == 4
    second, second_events, second_realised = _train(tiny_llama_dir, train, tmp_path / "resumed", resume=True)
    assert second["status"] == "succeeded" and second["steps"] == expected_total
    assert next(fields for kind, fields in second_events if kind == "train-start")["start_step"] == 4
    combined = first_realised + second_realised
    assert len(combined) == expected_total
    for (lr, beta1), (reference_lr, reference_beta1) in zip(combined, reference):
        assert abs(lr - reference_lr) < 1e-12
        assert abs(beta1 - reference_beta1) < 1e-12
