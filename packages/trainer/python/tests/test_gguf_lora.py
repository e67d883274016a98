"""GGUF LoRA export: llama.cpp's names, shapes, metadata and the rope permutation of q/k."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file

from tonekit_worker.errors import WorkerFailure
from tonekit_worker.gguf_lora import convert_lora_to_gguf, llama_permute


def read_gguf(path):
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    fields = {name: field.contents() for name, field in reader.fields.items() if not name.startswith("GGUF.")}
    return fields, {tensor.name: np.array(tensor.data) for tensor in reader.tensors}


def rope_hf(x: np.ndarray, position: int, base: float = 10000.0) -> np.ndarray:
    """transformers' Llama rope on one head (rotate_half: dimension i pairs with i + d/2)."""
    d = x.shape[0]
    frequencies = base ** (-np.arange(0, d, 2) / d)
    angle = np.concatenate([frequencies, frequencies]) * position
    rotated = np.concatenate([-x[d // 2 :], x[: d // 2]])
    return x * np.cos(angle) + rotated * np.sin(angle)


def rope_ggml(x: np.ndarray, position: int, base: float = 10000.0) -> np.ndarray:
    """llama.cpp's rope for llama (GGML_ROPE_TYPE_NORM: dimensions 2i and 2i+1 form a pair)."""
    d = x.shape[0]
    out = x.copy()
    for i in range(d // 2):
        angle = position * base ** (-2 * i / d)
        a, b = x[2 * i], x[2 * i + 1]
        out[2 * i] = a * np.cos(angle) - b * np.sin(angle)
        out[2 * i + 1] = a * np.sin(angle) + b * np.cos(angle)
    return out


@pytest.mark.parametrize(("n_head", "n_head_kv"), [(4, 4), (4, 2)])
def test_permuting_the_rows_of_b_matches_llama_cpp_rope(n_head, n_head_kv):
    rng = np.random.default_rng(0)
    head_dim, hidden, rank = 8, 32, 4
    heads = n_head_kv  # the permuted projection is k_proj when n_head_kv differs, q_proj otherwise
    weight = rng.normal(size=(heads * head_dim, hidden))
    lora_a, lora_b = rng.normal(size=(rank, hidden)), rng.normal(size=(heads * head_dim, rank))
    x = rng.normal(size=hidden)
    scaling = 2.0
    merged = weight + scaling * lora_b @ lora_a
    gguf_weight = llama_permute(weight, n_head, n_head_kv) + scaling * llama_permute(lora_b, n_head, n_head_kv) @ lora_a
    for position in (0, 3, 17):
        hf = np.concatenate([rope_hf(head, position) for head in (merged @ x).reshape(heads, head_dim)])
        ggml = np.concatenate([rope_ggml(head, position) for head in (gguf_weight @ x).reshape(heads, head_dim)])
        # The same attention scores need the same vectors up to llama.cpp's (permuted) layout.
        np.testing.assert_allclose(llama_permute(hf, n_head, n_head_kv), ggml, rtol=1e-10, atol=1e-10)


@pytest.fixture(scope="module")
def random_adapter(tiny_llama_dir, tmp_path_factory):
    """A PEFT adapter on every linear layer of the tiny Llama, with non-zero B."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(tiny_llama_dir), dtype=torch.float32)
    torch.manual_seed(0)
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=targets, lora_dropout=0.0))
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.3)
    folder = tmp_path_factory.mktemp("adapter")
    peft_model.save_pretrained(str(folder))
    return folder


def test_llama_adapter_names_shapes_metadata_and_values(tiny_llama_dir, random_adapter, tmp_path):
    from safetensors.numpy import load_file

    out = convert_lora_to_gguf(random_adapter, tmp_path / "adapter.gguf", base=tiny_llama_dir)
    fields, tensors = read_gguf(out)
    assert fields["general.architecture"] == "llama"
    assert fields["general.type"] == "adapter" and fields["adapter.type"] == "lora"
    assert fields["adapter.lora.alpha"] == 8.0
    config = json.loads((tiny_llama_dir / "config.json").read_text())
    n_head, n_head_kv = config["num_attention_heads"], config["num_key_value_heads"]
    head_dim = config["hidden_size"] // n_head
    names = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
             "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}
    saved = load_file(str(random_adapter / "adapter_model.safetensors"))
    assert len(tensors) == 2 * len(names) * config["num_hidden_layers"]
    for layer in range(config["num_hidden_layers"]):
        for module, gguf_name in names.items():
            kind = "mlp" if module in ("gate_proj", "up_proj", "down_proj") else "self_attn"
            prefix = f"base_model.model.model.layers.{layer}.{kind}.{module}"
            lora_a, lora_b = saved[f"{prefix}.lora_A.weight"], saved[f"{prefix}.lora_B.weight"]
            got_a = tensors[f"blk.{layer}.{gguf_name}.weight.lora_a"]
            got_b = tensors[f"blk.{layer}.{gguf_name}.weight.lora_b"]
            assert got_a.dtype == np.float32 and got_a.shape == lora_a.shape == (4, lora_a.shape[1])
            assert got_b.shape == lora_b.shape == (lora_b.shape[0], 4)
            np.testing.assert_array_equal(got_a, lora_a)
            if module == "q_proj":
                np.testing.assert_array_equal(got_b, llama_permute(lora_b, n_head, n_head))
                assert got_b.shape[0] == n_head * head_dim
                assert not np.array_equal(got_b, lora_b)
            elif module == "k_proj":
                np.testing.assert_array_equal(got_b, llama_permute(lora_b, n_head, n_head_kv))
                assert got_b.shape[0] == n_head_kv * head_dim
            else:
                np.testing.assert_array_equal(got_b, lora_b)


def test_f16_output(tiny_llama_dir, random_adapter, tmp_path):
    _, tensors = read_gguf(convert_lora_to_gguf(random_adapter, tmp_path / "a.gguf", base=tiny_llama_dir, outtype="f16"))
    assert {tensor.dtype for tensor in tensors.values()} == {np.dtype(np.float16)}


def _synthetic_adapter(folder, with_bias=False):
    rng = np.random.default_rng(1)
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 2, "lora_alpha": 4, "base_model_name_or_path": "x"}))
    tensors = {
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": rng.normal(size=(2, 16)).astype(np.float32),
        "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": rng.normal(size=(16, 2)).astype(np.float32),
    }
    if with_bias:
        tensors["base_model.model.model.layers.0.self_attn.q_proj.bias"] = rng.normal(size=16).astype(np.float32)
    save_file(tensors, str(folder / "adapter_model.safetensors"))
    return folder, tensors


QWEN2 = {"architectures": ["Qwen2ForCausalLM"], "num_attention_heads": 2, "num_key_value_heads": 1, "hidden_size": 16}


def test_qwen2_is_not_permuted(tmp_path):
    folder, tensors = _synthetic_adapter(tmp_path / "adapter")
    fields, got = read_gguf(convert_lora_to_gguf(folder, tmp_path / "a.gguf", base=QWEN2))
    assert fields["general.architecture"] == "qwen2"
    np.testing.assert_array_equal(got["blk.0.attn_q.weight.lora_b"], tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"])


def test_unsupported_architecture_and_biases_are_clear_failures(tmp_path):
    folder, _ = _synthetic_adapter(tmp_path / "adapter")
    with pytest.raises(WorkerFailure, match="GPT2LMHeadModel") as error:
        convert_lora_to_gguf(folder, tmp_path / "a.gguf", base={**QWEN2, "architectures": ["GPT2LMHeadModel"]})
    assert error.value.code == "invalid_params"
    biased, _ = _synthetic_adapter(tmp_path / "biased", with_bias=True)
    with pytest.raises(WorkerFailure, match="bias") as error:
        convert_lora_to_gguf(biased, tmp_path / "b.gguf", base=QWEN2)
    _, got = read_gguf(convert_lora_to_gguf(biased, tmp_path / "c.gguf", base=QWEN2, drop_biases=True))
    assert sorted(got) == ["blk.0.attn_q.weight.lora_a", "blk.0.attn_q.weight.lora_b"]


def test_gguf_base_writes_a_llama_gguf(tiny_llama_dir, tmp_path):
    from safetensors.numpy import load_file

    from tonekit_worker.testing.gguf_base import write_gguf_base

    fields, tensors = read_gguf(write_gguf_base(tiny_llama_dir, tmp_path / "base.gguf"))
    config = json.loads((tiny_llama_dir / "config.json").read_text())
    tokenizer = json.loads((tiny_llama_dir / "tokenizer.json").read_text())
    assert fields["general.architecture"] == "llama" and fields["tokenizer.ggml.model"] == "llama"
    assert len(fields["tokenizer.ggml.tokens"]) == config["vocab_size"]
    assert fields["tokenizer.ggml.tokens"][5] == "<0x00>" and fields["tokenizer.ggml.token_type"][5] == 6  # BYTE
    assert fields["tokenizer.ggml.tokens"][4] == "<|im_end|>" and fields["tokenizer.ggml.eos_token_id"] == 4
    assert fields["tokenizer.ggml.token_type"][4] == 3  # CONTROL
    assert fields["tokenizer.chat_template"].startswith("{% for message in messages %}")
    assert fields["llama.attention.head_count_kv"] == config["num_key_value_heads"]
    assert len(tensors) == 3 + 9 * config["num_hidden_layers"]
    weights = load_file(str(tiny_llama_dir / "model.safetensors"))
    np.testing.assert_array_equal(
        tensors["blk.1.attn_k.weight"],
        llama_permute(weights["model.layers.1.self_attn.k_proj.weight"], config["num_attention_heads"], config["num_key_value_heads"]),
    )
    np.testing.assert_array_equal(tensors["output.weight"], weights["lm_head.weight"])
    assert tokenizer["model"]["byte_fallback"] is True
