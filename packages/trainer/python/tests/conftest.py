"""Shared fixtures: a tiny random Llama written once per session (nothing is downloaded), chat data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

PYTHON_ROOT = Path(__file__).resolve().parents[1]
if str(PYTHON_ROOT) not in sys.path:
    sys.path.insert(0, str(PYTHON_ROOT))

SYSTEM_PROMPT = "You are a helpful assistant. Answer briefly."
QA_PAIRS = [
    ("What is the capital of France?", "Paris is the capital of France."),
    ("Why is the sky blue?", "The air scatters blue light more than red light."),
    ("What do bees make?", "Bees make honey from the nectar of flowers."),
    ("Who wrote Romeo and Juliet?", "William Shakespeare wrote it."),
    ("How many days are in a year?", "There are three hundred sixty five days."),
    ("Where do penguins live?", "Most penguins live near Antarctica."),
    ("What is water made of?", "Water is made of hydrogen and oxygen."),
    ("Can you tell me about the moon?", "The moon goes around the Earth once a month."),
    ("How tall is the Eiffel Tower?", "It is about three hundred meters tall."),
]


def pytest_configure(config):
    # The models here are tiny: one thread is fastest, and it avoids OpenMP spin-waiting when the 2-core
    # test machine is busy with other suites (measured: 0.02 s vs 0.7 s per forward+backward).
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    config.addinivalue_line("markers", "gpu: needs a CUDA GPU; skipped when torch sees none")


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_gpu = torch.cuda.is_available()
    except ImportError:
        has_gpu = False
    if has_gpu:
        return
    skip = pytest.mark.skip(reason="no CUDA GPU visible to torch")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


def conversation(question: str, answer: str) -> dict:
    return {
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    }


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory) -> Path:
    """A tiny random LlamaForCausalLM + BPE tokenizer with a ChatML template (hidden 64, 2 layers, GQA 4/2)."""
    from tonekit_worker.testing.tiny_llama import write_tiny_llama

    return write_tiny_llama(tmp_path_factory.mktemp("tiny-llama"), seed=0)


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_llama_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_llama_dir))


@pytest.fixture
def chat_files(tmp_path) -> tuple[Path, Path]:
    """(train.jsonl with 9 conversations, validation.jsonl with 3)."""
    train = write_jsonl(tmp_path / "train.jsonl", [conversation(q, a) for q, a in QA_PAIRS])
    validation = write_jsonl(tmp_path / "validation.jsonl", [conversation(q, a) for q, a in QA_PAIRS[:3]])
    return train, validation
