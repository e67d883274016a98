"""Write the tiny HF Llama of `tiny_llama.py` as a llama-architecture GGUF (f32) for llama.cpp.

    python -m tonekit_worker.testing.gguf_base --model DIR --out file.gguf

Test-only: real users convert base models with llama.cpp's `convert_hf_to_gguf.py`. This writer lets
the TypeScript tests run llama.cpp (node-llama-cpp) on the same random model that torch trains, and
compare llama.cpp + our GGUF LoRA adapter against torch + the PEFT adapter.

What it writes, as llama.cpp's converter would for a SentencePiece-style Llama:
* `tokenizer.ggml.model = "llama"` with tokens, scores and token types from the HF vocabulary: the
  specials are CONTROL (`<unk>` UNKNOWN), `<0xNN>` BYTE, the rest NORMAL with score = -(merge rank),
  so llama.cpp's score-greedy merging follows the BPE merge order; bos/eos/unk ids, no automatic bos,
  no space prefix (the tokenizer has none), and the chat template;
* the usual `llama.*` hyper-parameters; q_proj/k_proj rows permuted for llama.cpp's rope layout
  (`gguf_lora.llama_permute`, the converter's `LlamaModel.permute`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..gguf_lora import llama_permute

_LAYER_TENSORS = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
_GLOBAL_TENSORS = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}


def _vocabulary(model_dir: Path):
    import gguf

    tokenizer_json = json.loads((model_dir / "tokenizer.json").read_text())
    tokenizer_config = json.loads((model_dir / "tokenizer_config.json").read_text())
    vocab: dict[str, int] = dict(tokenizer_json["model"]["vocab"])
    special = {token["content"]: token["id"] for token in tokenizer_json.get("added_tokens", [])}
    vocab.update(special)
    by_id = sorted(vocab.items(), key=lambda item: item[1])
    if [token_id for _, token_id in by_id] != list(range(len(by_id))):
        raise ValueError("the vocabulary ids are not contiguous from 0")
    unk = tokenizer_json["model"].get("unk_token")
    first_learned = None
    tokens, scores, types = [], [], []
    for text, token_id in by_id:
        tokens.append(text)
        if text in special:
            types.append(gguf.TokenType.UNKNOWN if text == unk else gguf.TokenType.CONTROL)
            scores.append(0.0)
        elif len(text) == 6 and text.startswith("<0x") and text.endswith(">"):
            types.append(gguf.TokenType.BYTE)
            scores.append(0.0)
        else:
            if first_learned is None:
                first_learned = token_id
            types.append(gguf.TokenType.NORMAL)
            scores.append(-float(token_id - first_learned))
    ids = {text: token_id for text, token_id in vocab.items()}
    return tokens, scores, types, ids, tokenizer_config, unk


def write_gguf_base(model_dir: str | Path, out_path: str | Path) -> Path:
    """Write `model_dir` (a tiny HF LlamaForCausalLM folder) as an f32 llama GGUF; returns `out_path`."""
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    if (config.get("architectures") or [""])[0] != "LlamaForCausalLM":
        raise ValueError(f"gguf_base writes LlamaForCausalLM checkpoints only; got {config.get('architectures')}")
    n_head = config["num_attention_heads"]
    n_head_kv = config.get("num_key_value_heads") or n_head
    hidden = config["hidden_size"]
    tokens, scores, types, ids, tokenizer_config, unk = _vocabulary(model_dir)

    writer = gguf.GGUFWriter(str(out_path), "llama")
    writer.add_name(model_dir.name)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_vocab_size(len(tokens))
    writer.add_context_length(config.get("max_position_embeddings", 2048))
    writer.add_embedding_length(hidden)
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head_kv)
    writer.add_rope_dimension_count(config.get("head_dim") or hidden // n_head)
    writer.add_rope_freq_base(float(config.get("rope_theta") or (config.get("rope_parameters") or {}).get("rope_theta", 10000.0)))
    writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-5)))

    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    for key, setter in (("bos_token", writer.add_bos_token_id), ("eos_token", writer.add_eos_token_id)):
        text = tokenizer_config.get(key)
        if isinstance(text, dict):
            text = text.get("content")
        if text in ids:
            setter(ids[text])
    if unk in ids:
        writer.add_unk_token_id(ids[unk])
    writer.add_add_bos_token(bool(tokenizer_config.get("add_bos_token", False)))
    writer.add_add_eos_token(bool(tokenizer_config.get("add_eos_token", False)))
    writer.add_add_space_prefix(False)
    if tokenizer_config.get("chat_template"):
        writer.add_chat_template(tokenizer_config["chat_template"])

    weights = load_file(str(model_dir / "model.safetensors"))
    for name, value in weights.items():
        value = value.astype(np.float32)
        if name in _GLOBAL_TENSORS:
            target = _GLOBAL_TENSORS[name]
        else:
            parts = name.split(".")
            if parts[:2] != ["model", "layers"]:
                raise ValueError(f"unexpected tensor {name}")
            layer, rest = int(parts[2]), ".".join(parts[3:])
            if rest not in _LAYER_TENSORS:
                raise ValueError(f"unexpected tensor {name}")
            if rest == "self_attn.q_proj.weight":
                value = llama_permute(value, n_head, n_head)
            elif rest == "self_attn.k_proj.weight":
                value = llama_permute(value, n_head, n_head_kv)
            target = f"blk.{layer}.{_LAYER_TENSORS[rest]}"
        writer.add_tensor(target, np.ascontiguousarray(value))
    if "lm_head.weight" not in weights:
        writer.add_tensor("output.weight", np.ascontiguousarray(weights["model.embed_tokens.weight"].astype(np.float32)))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return Path(out_path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a tiny HF Llama as an f32 llama GGUF (test-only).")
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    print(write_gguf_base(args.model, args.out))


if __name__ == "__main__":
    main()
