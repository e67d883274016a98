"""A group of sequences that advance together: one batched forward per step, one adapter per row.

PEFT's mixed-adapter batch (`adapter_names=[...]`, one name per row, "__base__" for none) runs the
shared base weights once for the whole batch and adds each row's own LoRA delta, so stepping n
adapters costs about one forward of the base model instead of n. The rows share one KV cache
(transformers' DynamicCache, batch dimension = rows); since every row receives the same number of
tokens at every step, the rows stay aligned and no padding or attention mask is needed.
"""

from __future__ import annotations

import base64
from typing import Any

from ..errors import WorkerFailure

#: PEFT's name for "no adapter" in `adapter_names` (peft/tuners/lora/layer.py, `_mixed_batch_forward`).
PEFT_BASE_ADAPTER = "__base__"


def encode_log_probs(row: Any) -> str:
    """base64 of the float32 little-endian bytes of a 1-D tensor (PROTOCOL.md, `step`)."""
    values = row.detach().to(device="cpu").float().contiguous().numpy()
    return base64.b64encode(values.astype("<f4", copy=False).tobytes()).decode("ascii")


class SequenceGroup:
    """The KV cache and adapter rows of one `open_sequences` group."""

    def __init__(self, group_id: str, loaded: Any, adapters: list[str | None]):
        self.id = group_id
        self.loaded = loaded
        self.adapters = adapters
        # Without adapters loaded the model is a plain transformers model, which takes no adapter_names.
        self.peft_names = (
            [PEFT_BASE_ADAPTER if name is None else loaded.peft_adapter_names[name] for name in adapters]
            if loaded.is_peft
            else None
        )
        self.cache: Any = None
        self.length = 0
        #: Set when a forward failed part-way: the cache may hold some layers of that step and not others.
        self.failure: str | None = None

    @property
    def size(self) -> int:
        return len(self.adapters)

    def step(self, tokens: list[list[int]]) -> list[str]:
        """Append `tokens[i]` to row i and return each row's next-token log-probabilities, base64."""
        if self.failure is not None:
            raise WorkerFailure(
                "invalid_params",
                f"step: group {self.id} cannot continue after a failed step ({self.failure}); "
                "close it and open a new group",
            )
        import torch
        from transformers import DynamicCache

        loaded = self.loaded
        if self.cache is None:
            self.cache = DynamicCache(config=loaded.base.config)
        kwargs: dict[str, Any] = {
            "input_ids": torch.tensor(tokens, dtype=torch.long, device=loaded.device),
            "past_key_values": self.cache,
            "use_cache": True,
        }
        if loaded.accepts_logits_to_keep:
            # Only the last position is returned; the lm_head over a long prompt would cost n × L × V.
            kwargs["logits_to_keep"] = 1
        if self.peft_names is not None:
            kwargs["adapter_names"] = self.peft_names
        try:
            with torch.inference_mode():
                output = loaded.model(**kwargs)
                log_probs = output.logits[:, -1, :].float().log_softmax(dim=-1)
        except BaseException as error:
            self.failure = f"{type(error).__name__}: {error}"
            raise
        self.length += len(tokens[0])
        return [encode_log_probs(row) for row in log_probs]

    def release(self) -> None:
        self.cache = None
