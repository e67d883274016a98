"""The loss mask covers exactly the assistant turns: content + end-of-turn token, never the header."""

from __future__ import annotations

import copy
import json

import pytest

from tonekit_worker.errors import WorkerFailure
from tonekit_worker.training.data import IGNORE_INDEX, read_conversations, tokenize_conversation

MULTI_TURN = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "Paris, on the river Seine."},
    {"role": "user", "content": "And how tall is the Eiffel Tower?"},
    {"role": "assistant", "content": "About 330 meters, naïve café ☕ 日本!"},
    {"role": "user", "content": "Thanks!"},
    {"role": "assistant", "content": " You are welcome.\nHave a great day."},
]

# A template of another family ([INST] style, end-of-turn </s>, no newline after it) to show that the
# rule does not depend on ChatML.
INST_TEMPLATE = (
    "{{ '<s>' }}{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ '[SYS] ' + message['content'] + ' [/SYS]' }}"
    "{% elif message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% else %}{{ ' ' + message['content'] + '</s>' }}{% endif %}{% endfor %}"
)


def masked_spans(example) -> list[list[int]]:
    """Runs of consecutive trained token ids."""
    spans, current = [], []
    for token, label in zip(example.input_ids, example.labels):
        if label == IGNORE_INDEX:
            if current:
                spans.append(current)
                current = []
        else:
            assert label == token
            current.append(token)
    if current:
        spans.append(current)
    return spans


def test_chatml_mask_is_assistant_content_plus_end_of_turn(tiny_tokenizer):
    example = tokenize_conversation(tiny_tokenizer, MULTI_TURN, max_length=1024)
    assert example is not None
    full = tiny_tokenizer.apply_chat_template(MULTI_TURN, tokenize=False)
    assert example.input_ids == tiny_tokenizer(full, add_special_tokens=False)["input_ids"]
    decoded = [tiny_tokenizer.decode(span, skip_special_tokens=False) for span in masked_spans(example)]
    expected = [message["content"] + "<|im_end|>" for message in MULTI_TURN if message["role"] == "assistant"]
    assert decoded == expected
    # The end-of-turn token is trained, the newline after it and the next header are not.
    im_end = tiny_tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert all(span[-1] == im_end for span in masked_spans(example))
    assert example.loss_tokens == sum(len(span) for span in masked_spans(example))


def test_other_template_family(tiny_tokenizer):
    tokenizer = copy.deepcopy(tiny_tokenizer)
    tokenizer.chat_template = INST_TEMPLATE
    example = tokenize_conversation(tokenizer, MULTI_TURN, max_length=1024)
    decoded = [tokenizer.decode(span, skip_special_tokens=False) for span in masked_spans(example)]
    # This template renders the assistant turn as " " + content + "</s>": everything after the
    # generation prompt ("[/INST]") belongs to the turn, including the separating space.
    expected = [" " + message["content"] + "</s>" for message in MULTI_TURN if message["role"] == "assistant"]
    assert decoded == expected


def test_truncation_keeps_the_head_and_skips_conversations_without_assistant_tokens(tiny_tokenizer):
    full = tokenize_conversation(tiny_tokenizer, MULTI_TURN, max_length=1024)
    first_label = next(index for index, label in enumerate(full.labels) if label != IGNORE_INDEX)
    truncated = tokenize_conversation(tiny_tokenizer, MULTI_TURN, max_length=first_label + 3)
    assert truncated.input_ids == full.input_ids[: first_label + 3]
    assert truncated.labels == full.labels[: first_label + 3]
    assert tokenize_conversation(tiny_tokenizer, MULTI_TURN, max_length=first_label) is None


def test_data_errors_name_file_and_line(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"messages": MULTI_TURN}) + "\n{not json\n")
    with pytest.raises(WorkerFailure) as error:
        read_conversations(path)
    assert error.value.code == "dataset_error" and f"{path}:2" in error.value.message

    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    with pytest.raises(WorkerFailure, match="no assistant message") as error:
        read_conversations(path)
    assert error.value.code == "dataset_error"

    path.write_text(json.dumps({"messages": [{"role": "robot", "content": "hi"}]}) + "\n")
    with pytest.raises(WorkerFailure, match="message 0") as error:
        read_conversations(path)

    with pytest.raises(WorkerFailure) as error:
        read_conversations(tmp_path / "missing.jsonl")
    assert error.value.code == "dataset_error"
