"""Blending methods in-process: the batched mixed-adapter group against separate single-adapter models."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from _protocol_helpers import write_tiny_models  # noqa: E402
from tonekit_worker.blending import (  # noqa: E402
    BlendingService,
    compute_vocabulary_hash,
    special_tokens,
    vocabulary_tokens,
)
from tonekit_worker.errors import WorkerFailure  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[4]
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return write_tiny_models(tmp_path_factory.mktemp("blend"))


@pytest.fixture(scope="module")
def references(models):
    """Three separate models: the base alone, base + adapter a, base + adapter b (each its own copy)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    def base():
        return AutoModelForCausalLM.from_pretrained(models["model"], dtype=torch.float32).eval()

    return {
        None: base(),
        "a": PeftModel.from_pretrained(base(), models["adapter-a"]).eval(),
        "b": PeftModel.from_pretrained(base(), models["adapter-b"]).eval(),
    }


@pytest.fixture()
def service(models):
    service = BlendingService()
    loaded = service.call(
        "load_model",
        {
            "model": str(models["model"]),
            "adapters": [
                {"name": "a", "path": str(models["adapter-a"])},
                {"name": "b", "path": str(models["adapter-b"])},
            ],
            "precision": "fp32",
            "device": "cpu",
        },
    )
    service.loaded = loaded
    return service


def decode(row: str, size: int) -> np.ndarray:
    values = np.frombuffer(base64.b64decode(row), dtype="<f4")
    assert values.shape == (size,)
    return values


def full_recompute(model, history: list[int]) -> np.ndarray:
    """The next-token log-probabilities from a forward over the whole history, without any cache."""
    with torch.inference_mode():
        logits = model(input_ids=torch.tensor([history]), use_cache=False).logits
    return logits[0, -1].float().log_softmax(-1).numpy()


@pytest.mark.parametrize("adapters", [[None, "a", "b"], ["b", None, "a", "a"]])
def test_a_batched_group_equals_separate_forwards_at_every_step(service, references, adapters):
    size = service.loaded["vocabulary_size"]
    group = service.call("open_sequences", {"handle": "m1", "adapters": adapters})["group"]
    prompt = [3, 300, 301, 302, 303, 9]
    # A multi-token prompt, then one token per row (a different one per row, as in sampling), then a
    # three-token step: the cache must carry every earlier position.
    steps = [[prompt] * len(adapters)]
    steps.append([[10 + row] for row in range(len(adapters))])
    steps.append([[20 + row] for row in range(len(adapters))])
    steps.append([[30 + row, 40, 50 + row] for row in range(len(adapters))])
    histories = [[] for _ in adapters]
    different_from_base = 0.0
    for step in steps:
        rows = service.call("step", {"group": group, "tokens": step})["log_probs"]
        assert len(rows) == len(adapters)
        for row, adapter in enumerate(adapters):
            histories[row] += step[row]
            got = decode(rows[row], size)
            want = full_recompute(references[adapter], histories[row])
            np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE, err_msg=f"row {row} ({adapter})")
            assert abs(np.logaddexp.reduce(got.astype(np.float64))) < 1e-4
            if adapter is not None:
                base = full_recompute(references[None], histories[row])
                different_from_base = max(different_from_base, float(np.abs(base - got).max()))
    # The adapters really change the distribution, so the comparison above can tell them apart.
    assert different_from_base > 0.1
    assert service.call("close_sequences", {"group": group}) == {}


def test_groups_are_independent_and_a_model_without_adapters_works(service, models, references):
    size = service.loaded["vocabulary_size"]
    first = service.call("open_sequences", {"handle": "m1", "adapters": ["a"]})["group"]
    second = service.call("open_sequences", {"handle": "m1", "adapters": [None, None]})["group"]
    service.call("step", {"group": first, "tokens": [[5, 6, 7]]})
    rows = service.call("step", {"group": second, "tokens": [[5, 6], [8, 9]]})["log_probs"]
    np.testing.assert_allclose(decode(rows[1], size), full_recompute(references[None], [8, 9]), atol=TOLERANCE, rtol=0)
    row = service.call("step", {"group": first, "tokens": [[8]]})["log_probs"][0]
    np.testing.assert_allclose(decode(row, size), full_recompute(references["a"], [5, 6, 7, 8]), atol=TOLERANCE, rtol=0)

    plain = BlendingService()
    loaded = plain.call("load_model", {"model": str(models["model"]), "device": "cpu"})
    assert loaded["vocabulary_hash"] == service.loaded["vocabulary_hash"]
    group = plain.call("open_sequences", {"handle": loaded["handle"], "adapters": [None]})["group"]
    row = plain.call("step", {"group": group, "tokens": [[5, 6, 7]]})["log_probs"][0]
    np.testing.assert_allclose(decode(row, size), full_recompute(references[None], [5, 6, 7]), atol=TOLERANCE, rtol=0)
    with pytest.raises(WorkerFailure) as caught:
        plain.call("open_sequences", {"handle": loaded["handle"], "adapters": ["a"]})
    assert caught.value.code == "not_found"


def test_load_model_reports_the_vocabulary_as_core_hashes_it(service, models):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(models["model"])
    loaded = service.loaded
    assert loaded["vocabulary_size"] == len(tokenizer) == 461
    # <s> is named but never prepended; </s> ends generation in llama.cpp, so eos lists it too.
    assert (loaded["bos"], loaded["eos"], loaded["pad"]) == (None, [2, 4], None)
    assert loaded["has_chat_template"] is True
    tokens = [tokenizer.convert_ids_to_tokens(index) for index in range(len(tokenizer))]
    text = json.dumps(
        {"vocabulary": tokens, "specialTokens": {"eos": [2, 4]}}, separators=(",", ":"), ensure_ascii=False
    )
    assert loaded["vocabulary_hash"] == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_ids_past_the_tokenizer_hash_as_unused_tokens(models):
    from transformers import AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(models["model"])
    size = len(tokenizer) + 3
    tokens = vocabulary_tokens(tokenizer, size)
    assert tokens[-3:] == [f"<unused-{index}>" for index in range(len(tokenizer), size)]
    assert tokens[1] == "<s>" and tokens[4] == "<|im_end|>"
    # eos gathers the tokenizer's eos and the generation config's (a list in chat models); this
    # tokenizer names <s> but never prepends it, so bos is not reported.
    specials = special_tokens(tokenizer, GenerationConfig(eos_token_id=[4, 9999]), size)
    assert specials == {"eos": [4], "bos": None, "pad": None}
    # With the vocabulary, tokens llama.cpp ends generation on join eos (</s> here), as on the TS side.
    specials = special_tokens(tokenizer, GenerationConfig(eos_token_id=[4]), size, tokens)
    assert specials["eos"] == [2, 4]


def test_end_of_generation_texts_match_the_typescript_list():
    import ast
    from pathlib import Path

    from tonekit_worker.blending.vocabulary import END_OF_GENERATION_TEXTS

    source = Path(__file__).resolve().parents[3] / "inference/src/onnx/end-of-generation-token-texts.ts"
    if not source.exists():
        pytest.skip(f"{source} not found (the worker is outside the monorepo)")
    text = source.read_text(encoding="utf-8")
    body = text[text.index("new Set([") + len("new Set(") : text.index("]);") + 1]
    assert set(ast.literal_eval(body)) == END_OF_GENERATION_TEXTS


TRICKY_VOCABULARY = [
    "<s>",
    'quote"',
    "back\\slash",
    "new\nline",
    "tab\t",
    "\x00\x1f\x7f",
    "é",
    "▁the",
    "😀",
    "\u2028",
    "<unused-9>",
]


def test_the_hash_text_matches_json_stringify():
    node = shutil.which("node")
    tsx = REPO_ROOT / "node_modules" / ".bin" / "tsx"
    if node is None or not tsx.exists():
        pytest.skip("node and tsx are needed to run core's computeVocabularyHash")
    script = (
        "import { computeVocabularyHash } from './packages/core/src/vocabulary-hash.ts';"
        "const input = JSON.parse(process.argv[process.argv.length - 1]);"
        "for (const [tokens, special] of input) console.log(computeVocabularyHash(tokens, special));"
    )
    cases = [
        (TRICKY_VOCABULARY, {"eos": [4, 2], "bos": 1, "pad": 0}),
        (TRICKY_VOCABULARY, {"eos": [3]}),
        (["a", "b"], {"eos": [], "pad": 1}),
    ]
    result = subprocess.run(
        [str(tsx), "-e", script, json.dumps(cases)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    expected = [
        compute_vocabulary_hash(tokens, special["eos"], special.get("bos"), special.get("pad"))
        for tokens, special in cases
    ]
    assert result.stdout.split() == expected


def test_text_methods(service):
    tokens = service.call("tokenize", {"handle": "m1", "text": "Why is the sky blue?"})["tokens"]
    assert tokens and all(isinstance(token, int) for token in tokens)
    assert service.call("detokenize", {"handle": "m1", "tokens": tokens}) == {"text": "Why is the sky blue?"}
    with_bos = service.call("tokenize", {"handle": "m1", "text": "", "add_special_tokens": True})["tokens"]
    assert with_bos in ([], [1])
    text = service.call(
        "apply_chat_template",
        {"handle": "m1", "messages": [{"role": "user", "content": "hi"}], "add_generation_prompt": True},
    )["text"]
    assert text == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    text = service.call(
        "apply_chat_template",
        {"handle": "m1", "messages": [{"role": "user", "content": "hi"}], "add_generation_prompt": False},
    )["text"]
    assert text == "<|im_start|>user\nhi<|im_end|>\n"


def _code(service, method, params):
    with pytest.raises(WorkerFailure) as caught:
        service.call(method, params)
    return caught.value.code


def test_errors_name_what_is_wrong(service, models, tmp_path):
    group = service.call("open_sequences", {"handle": "m1", "adapters": [None, "a"]})["group"]
    assert _code(service, "tokenize", {"handle": "m7", "text": "x"}) == "not_found"
    assert _code(service, "tokenize", {"handle": "m1"}) == "invalid_params"
    assert _code(service, "open_sequences", {"handle": "m1", "adapters": ["nope"]}) == "not_found"
    assert _code(service, "open_sequences", {"handle": "m1", "adapters": []}) == "invalid_params"
    assert _code(service, "step", {"group": group, "tokens": [[1, 2], [3]]}) == "invalid_params"
    assert _code(service, "step", {"group": group, "tokens": [[1]]}) == "invalid_params"
    assert _code(service, "step", {"group": group, "tokens": [[], []]}) == "invalid_params"
    assert _code(service, "step", {"group": group, "tokens": [[1], [10_000]]}) == "invalid_params"
    assert _code(service, "step", {"group": group, "tokens": [[1], [True]]}) == "invalid_params"
    assert _code(service, "step", {"group": "g999", "tokens": [[1]]}) == "not_found"
    assert _code(service, "detokenize", {"handle": "m1", "tokens": [-1]}) == "invalid_params"
    # A rejected step leaves the group usable.
    assert len(service.call("step", {"group": group, "tokens": [[1], [2]]})["log_probs"]) == 2
    missing = {"model": str(models["model"]), "adapters": [{"name": "x", "path": str(tmp_path / "none")}]}
    assert _code(service, "load_model", missing) == "not_found"
    duplicate = {"model": str(models["model"]), "adapters": [{"name": "x", "path": str(models["adapter-a"])}] * 2}
    assert _code(service, "load_model", duplicate) == "invalid_params"
    assert _code(service, "load_model", {"model": str(models["model"]), "precision": "fp8"}) == "invalid_params"
    assert _code(service, "load_model", {"model": str(tmp_path / "no-model"), "device": "cpu"}) == "not_found"
    dora = tmp_path / "dora"
    shutil.copytree(models["adapter-a"], dora)
    config = json.loads((dora / "adapter_config.json").read_text())
    (dora / "adapter_config.json").write_text(json.dumps({**config, "use_dora": True}))
    assert (
        _code(service, "load_model", {"model": str(models["model"]), "adapters": [{"name": "d", "path": str(dora)}]})
        == "invalid_params"
    )


def test_close_and_unload(service):
    group = service.call("open_sequences", {"handle": "m1", "adapters": ["a", "b"]})["group"]
    other = service.call("open_sequences", {"handle": "m1", "adapters": ["a"]})["group"]
    assert service.call("close_sequences", {"group": group}) == {}
    assert service.call("close_sequences", {"group": group}) == {}
    assert _code(service, "step", {"group": group, "tokens": [[1], [1]]}) == "not_found"
    assert service.call("unload_model", {"handle": "m1"}) == {}
    # Groups of an unloaded model are gone; closing one afterwards is harmless.
    assert service.call("close_sequences", {"group": other}) == {}
    assert _code(service, "step", {"group": other, "tokens": [[1]]}) == "not_found"
    assert _code(service, "tokenize", {"handle": "m1", "text": "x"}) == "not_found"
    assert _code(service, "unload_model", {"handle": "m1"}) == "not_found"
