#!/usr/bin/env python3
"""Exports the encoder BERTScore needs as an ONNX model folder that tonekit loads offline.

bert_score scores English with roberta-large at layer 17: it cuts the encoder after `num_layers` layers
(`get_model` keeps `encoder.layer[:17]`) and takes the last hidden state of what is left. This script
does the same cut, then exports the cut model to ONNX with its tokenizer, so that

    createTransformersTokenEmbedder({ localPath: OUT, layer: 17 })

in @tonekit/embeddings returns exactly bert_score's token vectors (to float32 rounding), and bertScore in
@tonekit/evaluator gives bert_score's numbers. The cut model is also ~30% smaller and faster than the
whole one.

Needs: torch, transformers (and onnx, which torch.onnx uses); onnxruntime for --verify; bert_score for
the optional end-to-end check. Downloads the model from the Hugging Face Hub once (or point --model at a
local folder).

    python export-bertscore-encoder.py --output ./models/roberta-large-L17
    python export-bertscore-encoder.py --model roberta-large --layers 17 --output ./models/roberta-large-L17 --verify

Writes OUTPUT/config.json (num_hidden_layers = the layer), tokenizer.json, tokenizer_config.json,
special_tokens_map.json, onnx/model.onnx (inputs input_ids and attention_mask, output
last_hidden_state) and bertscore.json (what was exported, and bert_score's rescale baseline row when the
model is roberta-large). With --all-hidden-states the whole encoder is exported instead, with outputs
hidden_states.0 ... hidden_states.N; tonekit then reads hidden_states.{layer} (slower: every layer runs).
"""

import argparse
import inspect
import json
import sys
from pathlib import Path

# bert_score's default layer per model (utils.model2layers) for the models people use most.
DEFAULT_LAYERS = {
    "roberta-large": 17,
    "roberta-base": 10,
    "bert-base-uncased": 9,
    "bert-large-uncased": 18,
    "bert-base-multilingual-cased": 9,
    "distilroberta-base": 5,
    "microsoft/deberta-xlarge-mnli": 40,
    "xlm-roberta-large": 17,
    "xlm-roberta-base": 9,
}
# bert_score's rescale_baseline/en/roberta-large.tsv, row 17 (the DESIGN defaults).
ROBERTA_LARGE_L17_BASELINE = {"precision": 0.83150584, "recall": 0.8314941, "f1": 0.83122575}

VERIFY_SENTENCES = [
    "The cat sat on the mat.",
    "A quick brown fox jumps over the lazy dog, twice!",
    "BERTScore compares contextual token embeddings with greedy cosine matching.",
    "",
    "  Leading and trailing spaces are stripped.  ",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="roberta-large", help="Hub id or local folder (default roberta-large)")
    parser.add_argument("--layers", type=int, help="keep this many layers (default: bert_score's layer for the model)")
    parser.add_argument("--output", required=True, help="folder to write")
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--all-hidden-states", action="store_true", help="export every layer instead of cutting")
    parser.add_argument("--verify", action="store_true", help="compare ONNX with PyTorch (needs onnxruntime)")
    args = parser.parse_args()

    import torch
    from transformers import AutoModel, AutoTokenizer

    layers = args.layers if args.layers is not None else DEFAULT_LAYERS.get(args.model)
    if layers is None:
        sys.exit(f"--layers is required for {args.model} (bert_score's default layer for it is not known here).")
    output = Path(args.output)
    (output / "onnx").mkdir(parents=True, exist_ok=True)

    tokenizer = AutoTokenizer.from_pretrained(args.model, use_fast=True)
    tokenizer.save_pretrained(output)
    if not (output / "tokenizer.json").exists():
        sys.exit(f"{args.model} has no fast tokenizer, so no tokenizer.json for transformers.js could be written.")

    try:
        model = AutoModel.from_pretrained(args.model, add_pooling_layer=False)
    except TypeError:
        model = AutoModel.from_pretrained(args.model)
    model.eval()
    if hasattr(model, "decoder") and hasattr(model, "encoder"):
        model = model.encoder  # as bert_score does for encoder-decoder models
    total_layers = model.config.num_hidden_layers
    if not 0 <= layers <= total_layers:
        sys.exit(f"--layers must be between 0 and {total_layers} for {args.model}.")
    if not args.all_hidden_states:
        cut_layers(model, layers)
        model.config.num_hidden_layers = layers

    class Encoder(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=args.all_hidden_states)
            if args.all_hidden_states:
                return tuple(out.hidden_states)
            return out.last_hidden_state

    output_names = (
        [f"hidden_states.{index}" for index in range(total_layers + 1)] if args.all_hidden_states else ["last_hidden_state"]
    )
    sample = tokenizer(["Hello world", "A longer sentence to give the batch some padding."], padding=True, return_tensors="pt")
    dynamic_axes = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "sequence_length"}}
    for name in output_names:
        dynamic_axes[name] = {0: "batch_size", 1: "sequence_length"}
    export_options = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        export_options["dynamo"] = False  # the TorchScript exporter handles dynamic_axes for these models
    with torch.no_grad():
        torch.onnx.export(
            Encoder(model),
            (sample["input_ids"], sample["attention_mask"]),
            str(output / "onnx" / "model.onnx"),
            input_names=["input_ids", "attention_mask"],
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=args.opset,
            do_constant_folding=True,
            **export_options,
        )

    model.config.save_pretrained(output)
    byte_level = type(tokenizer).__name__.startswith(("Roberta", "GPT2", "Bart", "Longformer"))
    info = {
        "source_model": args.model,
        "layer": layers,
        "exported": "all hidden states" if args.all_hidden_states else f"encoder cut after layer {layers}",
        "output": output_names[-1] if not args.all_hidden_states else f"hidden_states.{layers}",
        "add_prefix_space": byte_level,
        "bert_score_usage": f'createTransformersTokenEmbedder({{ localPath: "{output}", layer: {layers} }})',
    }
    if args.model == "roberta-large" and layers == 17:
        info["rescale_baseline"] = ROBERTA_LARGE_L17_BASELINE
    (output / "bertscore.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"wrote {output}")

    if args.verify:
        verify(args, model, tokenizer, output, layers, output_names)


def cut_layers(model, layers):
    """bert_score's get_model(all_layers=False): keep the first `layers` transformer layers."""
    import torch

    if hasattr(model, "encoder") and hasattr(model.encoder, "layer"):  # bert, roberta, electra, deberta
        model.encoder.layer = torch.nn.ModuleList(list(model.encoder.layer[:layers]))
    elif hasattr(model, "transformer") and hasattr(model.transformer, "layer"):  # distilbert
        model.transformer.layer = torch.nn.ModuleList(list(model.transformer.layer[:layers]))
    elif hasattr(model, "layers"):  # bart encoder
        model.layers = torch.nn.ModuleList(list(model.layers[:layers]))
    elif hasattr(model, "layer"):  # xlnet
        model.layer = torch.nn.ModuleList(list(model.layer[:layers]))
    else:
        sys.exit(f"Do not know how to cut {type(model).__name__}; use --all-hidden-states.")


def bert_score_encode(tokenizer, text):
    """bert_score's sent_encode with the fast tokenizer: strip, prefix space for byte-level BPE."""
    text = text.strip()
    if text == "":
        return tokenizer.build_inputs_with_special_tokens([])
    byte_level = type(tokenizer).__name__.startswith(("Roberta", "GPT2", "Bart", "Longformer"))
    return tokenizer.encode(
        " " + text if byte_level else text,
        add_special_tokens=True,
        max_length=tokenizer.model_max_length,
        truncation=True,
    )


def verify(args, model, tokenizer, output, layers, output_names):
    import numpy as np
    import onnxruntime
    import torch

    session = onnxruntime.InferenceSession(str(output / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"])
    name = f"hidden_states.{layers}" if args.all_hidden_states else "last_hidden_state"
    worst = 0.0
    for text in VERIFY_SENTENCES:
        ids = bert_score_encode(tokenizer, text)
        input_ids = np.array([ids], dtype=np.int64)
        mask = np.ones_like(input_ids)
        (onnx_out,) = session.run([name], {"input_ids": input_ids, "attention_mask": mask})
        with torch.no_grad():
            out = model(input_ids=torch.tensor(input_ids), attention_mask=torch.tensor(mask), output_hidden_states=True)
        torch_out = (out.hidden_states[layers] if args.all_hidden_states else out.last_hidden_state).numpy()
        worst = max(worst, float(np.abs(onnx_out - torch_out).max()))
    print(f"largest |ONNX - PyTorch| over {len(VERIFY_SENTENCES)} sentences: {worst:.3g}")
    try:
        import bert_score
    except ImportError:
        print("bert_score is not installed: skipped the end-to-end comparison.")
        return
    cands, refs = VERIFY_SENTENCES[:3], VERIFY_SENTENCES[2:5]
    P, R, F = bert_score.score(cands, refs, model_type=args.model, num_layers=layers, idf=False)
    print("bert_score P/R/F:", [round(x, 6) for x in P.tolist()], [round(x, 6) for x in R.tolist()], [round(x, 6) for x in F.tolist()])
    print("Compare with bertScore({ candidates, references, tokenEmbedder }) in tonekit on the same sentences.")


if __name__ == "__main__":
    main()
