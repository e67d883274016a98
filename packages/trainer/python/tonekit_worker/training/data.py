"""Training data: JSONL conversations → token ids + a loss mask covering exactly the assistant turns.

Each line is `{"messages": [{"role": "system"|"user"|"assistant", "content": "..."}]}` (OpenAI's chat
fine-tuning format). The conversation is rendered with the tokenizer's own chat template and tokenized
once as a whole (so the ids are exactly what the template produces at inference). The loss mask is
found in character space: for each assistant turn k,

    before  = render(messages[:k], add_generation_prompt=True)   # ... + assistant header
    through = render(messages[:k+1])                             # ... + header + content + end-of-turn

and the turn's span is `through[len(before):]` without trailing whitespace: the content and the
end-of-turn token (`<|im_end|>`, `<|eot_id|>`, `</s>` ...), not the header, not the newline a template
puts after the end-of-turn (generation stops at the end-of-turn token, so the model never emits it).
Tokens whose characters overlap a span get a label. This is the same rule as transformers'
`return_assistant_tokens_mask`, without needing `{% generation %}` markers in the template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..errors import WorkerFailure

IGNORE_INDEX = -100
ROLES = ("system", "user", "assistant")


@dataclass
class Example:
    """One tokenized conversation. `labels[i]` is `input_ids[i]` where token i is trained, else -100
    (not yet shifted: the token at i is predicted from position i - 1)."""

    input_ids: list[int]
    labels: list[int]

    @property
    def length(self) -> int:
        return len(self.input_ids)

    @property
    def loss_tokens(self) -> int:
        # Position 0 is never a target: nothing precedes it.
        return sum(1 for label in self.labels[1:] if label != IGNORE_INDEX)


def read_conversations(path: str | Path) -> list[list[dict[str, str]]]:
    """Read a chat JSONL file; raises WorkerFailure("dataset_error") naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise WorkerFailure("dataset_error", f"data file {path} does not exist.") from error
    except (OSError, UnicodeDecodeError) as error:
        raise WorkerFailure("dataset_error", f"could not read data file {path}: {error}") from error
    conversations = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise WorkerFailure("dataset_error", f"{path}:{number}: not valid JSON ({error.msg}).") from error
        conversations.append(_validate_record(record, f"{path}:{number}"))
    if not conversations:
        raise WorkerFailure("dataset_error", f"data file {path} holds no conversations.")
    return conversations


def _validate_record(record: Any, where: str) -> list[dict[str, str]]:
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list) or not messages:
        raise WorkerFailure("dataset_error", f'{where}: expected {{"messages": [...]}} with at least one message.')
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES or not isinstance(message.get("content"), str):
            raise WorkerFailure(
                "dataset_error",
                f'{where}: message {index} must be {{"role": "system"|"user"|"assistant", "content": string}}.',
            )
    if not any(message["role"] == "assistant" for message in messages):
        raise WorkerFailure("dataset_error", f"{where}: the conversation has no assistant message to train on.")
    return [{"role": message["role"], "content": message["content"]} for message in messages]


def _render(tokenizer, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)


def assistant_spans(tokenizer, messages: list[dict[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the [start, end) character spans of its assistant turns."""
    if not getattr(tokenizer, "chat_template", None):
        raise WorkerFailure("invalid_params", "the base model's tokenizer has no chat template (tokenizer_config.json chat_template).")
    text = _render(tokenizer, messages, add_generation_prompt=False)
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = _render(tokenizer, messages[:index], add_generation_prompt=True) if index else ""
        through = _render(tokenizer, messages[: index + 1], add_generation_prompt=False)
        if not through.startswith(before) or not text.startswith(through):
            raise WorkerFailure(
                "dataset_error",
                "the chat template does not render conversations incrementally (an earlier turn renders "
                "differently once later turns are added), so assistant tokens cannot be located.",
            )
        end = len(through.rstrip())
        if end > len(before):
            spans.append((len(before), end))
    return text, spans


def tokenize_conversation(tokenizer, messages: list[dict[str, str]], max_length: int) -> Example | None:
    """Tokenize one conversation with its loss mask, truncated to its first `max_length` tokens.
    Returns None when no assistant token is left to train on (reported as skipped)."""
    text, spans = assistant_spans(tokenizer, messages)
    try:
        encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = encoding["offset_mapping"]
        input_ids = list(encoding["input_ids"])
    except NotImplementedError:
        # Slow (Python) tokenizers have no offsets: tokenize the pieces between span boundaries
        # separately, which keeps every span on token boundaries.
        input_ids, offsets = _tokenize_by_pieces(tokenizer, text, spans)
    labels = [IGNORE_INDEX] * len(input_ids)
    for index, (start, end) in enumerate(offsets):
        if end <= start:
            continue
        if any(start < span_end and end > span_start for span_start, span_end in spans):
            labels[index] = input_ids[index]
    input_ids, labels = input_ids[:max_length], labels[:max_length]
    example = Example(input_ids=input_ids, labels=labels)
    return example if example.loss_tokens > 0 else None


def _tokenize_by_pieces(tokenizer, text: str, spans: list[tuple[int, int]]):
    cuts = sorted({0, len(text), *(point for span in spans for point in span)})
    input_ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    for start, end in zip(cuts, cuts[1:]):
        ids = tokenizer(text[start:end], add_special_tokens=False)["input_ids"]
        input_ids.extend(ids)
        offsets.extend([(start, end)] * len(ids))
    return input_ids, offsets


def tokenize_conversations(tokenizer, conversations: Iterable[list[dict[str, str]]], max_length: int) -> tuple[list[Example], int]:
    """(examples, skipped): skipped conversations had no assistant token within `max_length`."""
    examples, skipped = [], 0
    for messages in conversations:
        example = tokenize_conversation(tokenizer, messages, max_length)
        if example is None:
            skipped += 1
        else:
            examples.append(example)
    return examples, skipped


def load_dataset(tokenizer, path: str | Path, max_length: int) -> tuple[list[Example], int]:
    """Read and tokenize a chat JSONL file: (examples, skipped)."""
    return tokenize_conversations(tokenizer, read_conversations(path), max_length)
