"""Blending through the worker: one base model, n LoRA adapters, one batched forward per step.

The TS side (`createWorkerLogitSources`) drives these methods (PROTOCOL.md, "load_model" onwards).
Nothing here imports torch at import time; `BlendingService.load_model` does.
"""

from .service import BLENDING_METHODS, BlendingService
from .vocabulary import UNUSED_TOKEN_FORMAT, compute_vocabulary_hash, special_tokens, vocabulary_tokens

__all__ = [
    "BLENDING_METHODS",
    "BlendingService",
    "UNUSED_TOKEN_FORMAT",
    "compute_vocabulary_hash",
    "special_tokens",
    "vocabulary_tokens",
]
