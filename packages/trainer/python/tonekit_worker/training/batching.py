"""Which examples go into which micro-batch and optimizer step, and how a micro-batch becomes tensors.

The plan of an epoch is a pure function of (lengths, sizes, seed, epoch), so a resumed run rebuilds
exactly the data order of the interrupted one without storing it.

Two layouts of a micro-batch:
* **length-grouped** (default): rows padded to the longest example; the epoch's shuffled examples are
  sorted by length inside mega-batches of 8 × micro-batch so rows in a micro-batch have similar
  lengths (little padding), and micro-batches are then shuffled so long and short ones mix over time
  (the idea of transformers' `group_by_length` sampler).
* **padding-free**: the micro-batch's examples concatenated into one row with `position_ids` restarting
  at 0 for each example and no attention mask; transformers (>= 4.5x) turns such position_ids into a
  block-diagonal causal mask for sdpa/eager/flex and into variable-length kernels for FlashAttention,
  so no compute is spent on padding. `packing_support` checks that the loaded model really does this.

Labels are shifted per example before concatenation (`targets[i]` is the token predicted at position
i), so no example ever predicts the first token of the next one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from .data import IGNORE_INDEX, Example

#: Mega-batch size in micro-batches for length grouping.
MEGA_BATCH_MICRO_BATCHES = 8


def micro_batches_per_epoch(num_examples: int, micro_batch_size: int) -> int:
    return math.ceil(num_examples / micro_batch_size)


def steps_per_epoch(num_examples: int, micro_batch_size: int, gradient_accumulation_steps: int) -> int:
    """Optimizer steps per epoch: the last micro-batch may be partial, the last step may have fewer
    than `gradient_accumulation_steps` micro-batches; both still count."""
    return math.ceil(micro_batches_per_epoch(num_examples, micro_batch_size) / gradient_accumulation_steps)


def total_steps(num_examples: int, micro_batch_size: int, gradient_accumulation_steps: int, epochs: int) -> int:
    return epochs * steps_per_epoch(num_examples, micro_batch_size, gradient_accumulation_steps)


def _chunks(items: Sequence, size: int) -> list:
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def plan_epoch(
    lengths: Sequence[int],
    micro_batch_size: int,
    gradient_accumulation_steps: int,
    seed: int,
    epoch: int,
    group_by_length: bool = True,
) -> list[list[list[int]]]:
    """The epoch's optimizer steps, each a list of micro-batches, each a list of example indices."""
    import torch

    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(len(lengths), generator=generator).tolist()
    if group_by_length:
        mega = micro_batch_size * MEGA_BATCH_MICRO_BATCHES
        grouped: list[int] = []
        for chunk in _chunks(order, mega):
            # Stable sort, longest first: ties keep the shuffled order.
            grouped.extend(sorted(chunk, key=lambda index: -lengths[index]))
        micro = _chunks(grouped, micro_batch_size)
        shuffle = torch.randperm(len(micro), generator=generator).tolist()
        micro = [micro[index] for index in shuffle]
    else:
        micro = _chunks(order, micro_batch_size)
    return _chunks(micro, gradient_accumulation_steps)


@dataclass
class Batch:
    """Tensors for one forward pass. `targets` are already shifted (-100 = no loss)."""

    input_ids: object
    targets: object
    attention_mask: object | None
    position_ids: object | None
    #: Non-padding tokens.
    tokens: int
    #: Positions with a target.
    loss_tokens: int

    def to(self, device) -> "Batch":
        def move(tensor):
            return None if tensor is None else tensor.to(device, non_blocking=True)

        return Batch(move(self.input_ids), move(self.targets), move(self.attention_mask), move(self.position_ids), self.tokens, self.loss_tokens)


def shifted_targets(example: Example) -> list[int]:
    return example.labels[1:] + [IGNORE_INDEX]


def collate_padded(examples: Sequence[Example], pad_id: int) -> Batch:
    """Right-padded rows with an attention mask."""
    import torch

    width = max(example.length for example in examples)
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    targets = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    attention_mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, example in enumerate(examples):
        input_ids[row, : example.length] = torch.tensor(example.input_ids, dtype=torch.long)
        targets[row, : example.length] = torch.tensor(shifted_targets(example), dtype=torch.long)
        attention_mask[row, : example.length] = 1
    return Batch(
        input_ids=input_ids,
        targets=targets,
        attention_mask=attention_mask,
        position_ids=None,
        tokens=sum(example.length for example in examples),
        loss_tokens=sum(example.loss_tokens for example in examples),
    )


def collate_packed(examples: Sequence[Example]) -> Batch:
    """One row: the examples back to back, position_ids restarting at 0 for each, no attention mask."""
    import torch

    input_ids: list[int] = []
    targets: list[int] = []
    positions: list[int] = []
    for example in examples:
        input_ids.extend(example.input_ids)
        targets.extend(shifted_targets(example))
        positions.extend(range(example.length))
    return Batch(
        input_ids=torch.tensor([input_ids], dtype=torch.long),
        targets=torch.tensor([targets], dtype=torch.long),
        attention_mask=None,
        position_ids=torch.tensor([positions], dtype=torch.long),
        tokens=len(input_ids),
        loss_tokens=sum(example.loss_tokens for example in examples),
    )


#: Attention implementations for which transformers honours packed position_ids.
PACKING_ATTENTION = ("flash_attention_2", "flash_attention_3", "sdpa", "eager", "flex_attention")


def packing_support(model) -> tuple[bool, str]:
    """(supported, reason): whether padding-free batches give the same logits as separate sequences.

    A static check (attention implementation, transformers' packed-sequence masking) plus a numeric
    one on the actual model: two short sequences packed vs run one by one.
    """
    import torch

    config = getattr(model, "config", None)
    implementation = getattr(config, "_attn_implementation", None)
    if implementation not in PACKING_ATTENTION:
        return False, f'attention implementation "{implementation}" does not take packed position_ids'
    try:
        from transformers import masking_utils

        if not hasattr(masking_utils, "find_packed_sequence_indices") and "flash" not in implementation:
            return False, "this transformers version does not build block-diagonal masks from position_ids"
    except ImportError:
        return False, "this transformers version has no masking_utils"
    device = next(model.parameters()).device
    first = torch.arange(3, 9, device=device).unsqueeze(0)
    second = torch.arange(11, 16, device=device).unsqueeze(0)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            # use_cache=False matters: transformers only reads packed position_ids when there is no cache.
            separate = torch.cat(
                [model(input_ids=first, use_cache=False).logits, model(input_ids=second, use_cache=False).logits], dim=1
            ).float()
            packed = model(
                input_ids=torch.cat([first, second], dim=1),
                position_ids=torch.cat([torch.arange(6), torch.arange(5)]).unsqueeze(0).to(device),
                use_cache=False,
            ).logits.float()
    except Exception as error:  # any failure means packing is not usable with this model
        return False, f"a packed forward failed ({type(error).__name__}: {error})"
    finally:
        model.train(was_training)
    difference = (packed - separate).abs().max().item()
    scale = separate.abs().max().item() + 1e-6
    if difference > 2e-2 * scale:
        return False, f"packed logits differ from separate ones (max difference {difference:.3g})"
    return True, f'packing with position_ids ("{implementation}" attention)'
