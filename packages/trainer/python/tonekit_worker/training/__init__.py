"""The worker's `train` method: LoRA SFT with transformers + peft (PROTOCOL.md, "train").

`run_training(params, emit, stop_event)` is the entry point the protocol layer calls; the pieces are
split by idea: `params` (validation and defaults), `data` (chat template, loss mask), `batching`,
`schedule` (AdamW + OneCycleLR), `loop` (the run), `checkpoints`, `export`, `distributed` (torchrun).
"""

from .run import run_training

__all__ = ["run_training"]
