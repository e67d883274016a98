"""The vocabulary identity of a loaded model, computed exactly as core's `computeVocabularyHash`.

Two logit sources blend only when their hashes are equal, so the text hashed here must be byte for
byte what the TS function hashes: `JSON.stringify({vocabulary, specialTokens})`. Python's
`json.dumps(..., separators=(",", ":"), ensure_ascii=False)` escapes exactly the characters
`JSON.stringify` escapes (quote, backslash, control characters as \\n or \\u00xx in lower case), except
lone surrogates, handled below.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

#: The token string hashed for an id the model has a logit for but the tokenizer has no token:
#: a model's embedding matrix is often padded past the tokenizer (to a multiple of 64, say).
UNUSED_TOKEN_FORMAT = "<unused-{id}>"

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def vocabulary_tokens(tokenizer: Any, size: int) -> list[str]:
    """The token string of every id in [0, size): the tokenizer's own strings (as stored, such as
    "▁the" or "Ġthe", added tokens included), and `<unused-<id>>` where the tokenizer has none."""
    known = min(len(tokenizer), size)
    tokens: list[Any] = list(tokenizer.convert_ids_to_tokens(list(range(known)))) if known > 0 else []
    # Added tokens may sit at ids past len(tokenizer) when the ids have gaps.
    added = {index: token for index, token in getattr(tokenizer, "added_tokens_decoder", {}).items() if index >= known}
    for index in range(known, size):
        token = added.get(index)
        tokens.append(getattr(token, "content", None))
    return [
        token if isinstance(token, str) else UNUSED_TOKEN_FORMAT.format(id=index) for index, token in enumerate(tokens)
    ]


def _ids(value: Any) -> list[int]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, int) and not isinstance(item, bool)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


#: Token texts llama.cpp treats as end of generation whatever the model's metadata says (its
#: `special_eog_ids`): the same list as packages/inference/src/onnx/end-of-generation-token-texts.ts, so
#: the worker, llama.cpp and ONNX sources of one vocabulary report the same eos ids and the same hash
#: (tests/test_blending_service.py checks that the two lists stay equal).
END_OF_GENERATION_TEXTS = frozenset(
    {
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    }
)  # fmt: skip


def special_tokens(
    tokenizer: Any, generation_config: Any, size: int, vocabulary: list[str] | None = None
) -> dict[str, Any]:
    """`{"eos": sorted ids, "bos": id | None, "pad": None}`, defined as the llama.cpp source defines them.

    eos is every token that ends generation: the tokenizer's eos token, the generation config's
    `eos_token_id` (chat models list several there, such as Llama 3's `<|eot_id|>`), and every token whose
    text llama.cpp treats as end of generation. bos is reported only when tokenization actually prepends
    it (a tokenizer may name a bos token it never adds). pad is not reported: it plays no part in blending.
    """

    def in_range(ids: list[int]) -> list[int]:
        return [token for token in ids if 0 <= token < size]

    eos = set(in_range(_ids(getattr(tokenizer, "eos_token_id", None))))
    eos.update(in_range(_ids(getattr(generation_config, "eos_token_id", None))))
    if vocabulary is not None:
        eos.update(index for index, text in enumerate(vocabulary) if text in END_OF_GENERATION_TEXTS)
    bos = in_range(_ids(getattr(tokenizer, "bos_token_id", None)))
    prepends_bos = False
    if bos:
        try:
            encoded = tokenizer("a", add_special_tokens=True)["input_ids"]
            prepends_bos = len(encoded) > 0 and encoded[0] == bos[0]
        except Exception:  # a tokenizer that cannot encode plain text does not prepend anything we can see
            prepends_bos = False
    return {"eos": sorted(eos), "bos": bos[0] if prepends_bos else None, "pad": None}


def compute_vocabulary_hash(vocabulary: list[str], eos: list[int], bos: int | None, pad: int | None) -> str:
    """Lower-case hex SHA-256 of the UTF-8 JSON text
    `{"vocabulary":[...],"specialTokens":{"eos":[...],"bos":id,"pad":id}}`, bos/pad left out when absent:
    what core's `computeVocabularyHash(vocabulary, specialTokens)` returns."""
    special: dict[str, Any] = {"eos": sorted(eos)}
    if bos is not None:
        special["bos"] = bos
    if pad is not None:
        special["pad"] = pad
    text = json.dumps({"vocabulary": vocabulary, "specialTokens": special}, separators=(",", ":"), ensure_ascii=False)
    # A lone surrogate cannot be encoded as UTF-8; JSON.stringify writes it as a \udxxx escape.
    text = _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
