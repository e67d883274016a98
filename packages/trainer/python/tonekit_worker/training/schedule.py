"""AdamW + torch's own OneCycleLR with the paper's settings (DESIGN §5).

Using `torch.optim.lr_scheduler.OneCycleLR` itself (not a re-implementation) is what makes the
learning rate and beta1 of every step equal torch's reference: pct_start 0.3, cosine annealing,
div_factor 25 (start at max_lr / 25), final_div_factor 1e3 (end at start / 1e3; the paper's value,
torch's default is 1e4), and beta1 cycling inversely to the lr between 0.85 and 0.95
(`cycle_momentum=True`, the torch default, which drives AdamW's `betas[0]`).
The scheduler is stepped once per optimizer step; `total_steps` counts optimizer steps over all epochs.
"""

from __future__ import annotations

from .params import Hyperparameters


def build_optimizer(parameters, hyperparameters: Hyperparameters, device: str):
    """AdamW over the trainable parameters; the fused CUDA kernel when training on a GPU."""
    import torch

    options = {}
    if device.startswith("cuda"):
        # One kernel for all parameters instead of several per tensor.
        options["fused"] = True
    return torch.optim.AdamW(
        [parameter for parameter in parameters if parameter.requires_grad],
        lr=hyperparameters.learning_rate,
        betas=(hyperparameters.max_momentum, 0.999),
        eps=1e-8,
        weight_decay=hyperparameters.weight_decay,
        **options,
    )


def build_scheduler(optimizer, hyperparameters: Hyperparameters, total_steps: int):
    """torch's OneCycleLR on `optimizer` for `total_steps` optimizer steps."""
    import torch

    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=hyperparameters.learning_rate,
        total_steps=total_steps,
        pct_start=hyperparameters.pct_start,
        anneal_strategy=hyperparameters.anneal_strategy,
        cycle_momentum=True,
        base_momentum=hyperparameters.base_momentum,
        max_momentum=hyperparameters.max_momentum,
        div_factor=hyperparameters.div_factor,
        final_div_factor=hyperparameters.final_div_factor,
        three_phase=False,
    )


def current_lr_beta1(optimizer) -> tuple[float, float]:
    group = optimizer.param_groups[0]
    return float(group["lr"]), float(group["betas"][0])
