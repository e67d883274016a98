"""A tiny RANDOM LlamaForCausalLM with a real (small) BPE tokenizer, written at test time.

    python -m tonekit_worker.testing.tiny_llama --out DIR [--seed 0] [--hidden 64 --layers 2 --heads 4 --kv-heads 2]

The tokenizer is a llama-style (SentencePiece-like) BPE trained here on a built-in English text with
the `tokenizers` library: byte_fallback with the 256 byte tokens `<0x00>`..`<0xFF>`, a Metaspace
pre-tokenizer ("▁", no prefix space, so a text piece tokenizes the same wherever it starts), specials
`<unk>` `<s>` `</s>` `<|im_start|>` `<|im_end|>` (eos = `<|im_end|>`), a ChatML chat template and a
vocabulary of about 450 tokens. Everything is deterministic for a given seed; nothing is downloaded.

Newlines are split off before Metaspace, so no learned token spans a newline: the chat template's
`\n` after `<|im_start|>assistant` is always its own token and assistant contents start on a token
boundary. Because no learned token spans a word or line boundary, llama.cpp's SentencePiece-style
tokenizer (which does not pre-split) produces the same pieces from the GGUF that `gguf_base.py` writes.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
UNK_ID, BOS_ID, EOS_SPM_ID, IM_START_ID, IM_END_ID = range(5)
BYTE_TOKENS = [f"<0x{value:02X}>" for value in range(256)]
#: Learned tokens (alphabet + merges); with the specials and bytes the vocabulary is ~460.
LEARNED_VOCABULARY_SIZE = 200

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# Plain English in the register tonekit trains for (short conversational answers), so common words
# become single tokens and test conversations tokenize into a realistic mix of merges and bytes.
TRAINING_TEXT = """\
You are a helpful assistant. Answer in a short, friendly and natural way.
What is the capital of France? The capital of France is Paris. It is a big city on the river Seine.
How tall is the Eiffel Tower? The tower is about three hundred meters tall, and you can see the whole city from the top.
Why is the sky blue? Sunlight is made of many colors. The air scatters blue light more than red light, so the sky looks blue to us.
Can you tell me about the moon? Sure! The moon goes around the Earth once a month. It has no air and no water that we can drink.
What do bees make? Bees make honey from the nectar of flowers. They keep it in wax cells in the hive.
Who wrote Romeo and Juliet? That was William Shakespeare. He wrote it more than four hundred years ago.
How many days are in a year? There are three hundred sixty five days in a year, and one more in a leap year.
What is water made of? Water is made of hydrogen and oxygen. Each small part has two hydrogen atoms and one oxygen atom.
Where do penguins live? Most penguins live in the south, near the cold sea around Antarctica, but some live in warmer places.
Thanks for your help! You are welcome. Have a great day, and ask me again any time.
The quick brown fox jumps over the lazy dog. A good answer is clear, kind and easy to read.
I think that is a great question. Let me explain it in simple words so it is easy to follow.
People often ask how things work. The best way to learn is to try, look closely, and ask why.
"""


def _build_tokenizer():
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    def pre_tokenizer():
        return pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex("\n"), behavior="isolated"),
                pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="never", split=True),
            ]
        )

    learner = Tokenizer(models.BPE())
    learner.pre_tokenizer = pre_tokenizer()
    trainer = trainers.BpeTrainer(vocab_size=LEARNED_VOCABULARY_SIZE, min_frequency=2, show_progress=False)
    learner.train_from_iterator(TRAINING_TEXT.splitlines(keepends=True), trainer)
    learned = json.loads(learner.to_str())["model"]
    learned_tokens = sorted(learned["vocab"].items(), key=lambda item: item[1])
    merges = [tuple(merge.split(" ")) if isinstance(merge, str) else tuple(merge) for merge in learned["merges"]]

    # Specials first, then the byte tokens, then the learned tokens in learning order: the learned
    # order is the merge order, which gguf_base.py turns into SentencePiece scores.
    vocabulary: dict[str, int] = {}
    for token in SPECIAL_TOKENS + BYTE_TOKENS:
        vocabulary[token] = len(vocabulary)
    for token, _ in learned_tokens:
        if token not in vocabulary:
            vocabulary[token] = len(vocabulary)

    tokenizer = Tokenizer(models.BPE(vocab=vocabulary, merges=merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tokenizer.pre_tokenizer = pre_tokenizer()
    tokenizer.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in SPECIAL_TOKENS])
    return tokenizer


def write_tiny_llama(
    out_dir: str | os.PathLike,
    seed: int = 0,
    hidden: int = 64,
    layers: int = 2,
    heads: int = 4,
    kv_heads: int = 2,
    intermediate: int | None = None,
) -> Path:
    """Write config.json, model.safetensors, tokenizer.json, tokenizer_config.json and
    generation_config.json for a random tiny Llama to `out_dir`; returns the folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _build_tokenizer()
    tokenizer.save(str(out / "tokenizer.json"))
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "<|im_end|>",
        "unk_token": "<unk>",
        "pad_token": None,
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": 2048,
        "chat_template": CHATML_TEMPLATE,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2, ensure_ascii=False) + "\n")
    (out / "special_tokens_map.json").write_text(
        json.dumps({"bos_token": "<s>", "eos_token": "<|im_end|>", "unk_token": "<unk>"}, indent=2) + "\n"
    )

    config = LlamaConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=hidden,
        intermediate_size=intermediate or hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=2048,
        rms_norm_eps=1e-5,
        rope_theta=10000.0,
        tie_word_embeddings=False,
        bos_token_id=BOS_ID,
        eos_token_id=IM_END_ID,
        pad_token_id=None,
        # A larger init than the default 0.02 gives logits that differ clearly between tokens, which makes
        # parity tests (torch vs llama.cpp, base vs adapter) meaningful on a random model.
        initializer_range=0.1,
    )
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        model = LlamaForCausalLM(config)
    finally:
        torch.random.set_rng_state(generator_state)
    model.generation_config.eos_token_id = IM_END_ID
    model.generation_config.bos_token_id = BOS_ID
    model.save_pretrained(str(out), safe_serialization=True)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a tiny random HF Llama + tokenizer (no download).")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--kv-heads", type=int, default=2)
    parser.add_argument("--intermediate", type=int, default=None)
    args = parser.parse_args(argv)
    out = write_tiny_llama(
        args.out,
        seed=args.seed,
        hidden=args.hidden,
        layers=args.layers,
        heads=args.heads,
        kv_heads=args.kv_heads,
        intermediate=args.intermediate,
    )
    print(str(out))


if __name__ == "__main__":
    main()
