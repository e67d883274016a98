#!/usr/bin/env python3
"""Writes test/fixtures/bert-score-golden.json: BERTScore computed the way bert_score does it, on
deterministic pseudo-random token embeddings, for the TypeScript implementation to match.

Only numpy is needed (no torch, no model): the part of bert_score under test is what happens after the
encoder, `greedy_cos_idf` with idf off, the multi-reference maximum of `score()` and the baseline rescale.
The computation below restates bert_score 0.3.13 (utils.greedy_cos_idf, score.score) for one
candidate-reference pair at a time, so no padding is involved:

- every token vector is divided by its L2 norm;
- sim[i, j] = cosine of candidate token i and reference token j, over all tokens, special ones included;
- idf off means weight 1 per token, except the tokenizer's CLS and SEP ids, which get 0; the weights of a
  sentence are divided by their sum;
- P = sum_i w_i * max_j sim[i, j]; R = sum_j w_j * max_i sim[i, j]; F = 2PR / (P + R);
- a sentence of exactly two tokens (the special tokens of an empty text) sets P and R to 0; a NaN F
  becomes 0;
- several references: the element-wise maximum of (P, R, F) over them (`all_preds[beg:end].max(dim=0)`);
- rescale: (x - b) / (1 - b) with b read as float32 (`.float()`).

bert_score runs all of this in float32 (torch tensors); each result is given here twice, computed in
float32 as bert_score does and in float64, so a test can state which one it matches and how closely.

Usage: .venv/bin/python packages/evaluator/scripts/generate-bertscore-golden.py [output.json]
"""

import base64
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROBERTA_LARGE_L17 = {"precision": 0.83150584, "recall": 0.8314941, "f1": 0.83122575}
CLS_ID, SEP_ID = 0, 2


def make_text(rng, length, dimensions, regime, special_inside=False, base=None):
    """Token ids, special flags and float32 vectors of one text of `length` tokens, framed by CLS/SEP."""
    ids = [CLS_ID] + [int(rng.integers(3, 50_000)) for _ in range(length - 2)] + [SEP_ID]
    if special_inside and length > 4:
        # A literal "</s>" inside the text: bert_score zeroes it by id, not by position.
        ids[length // 2] = SEP_ID
    if regime == "random":
        vectors = rng.standard_normal((length, dimensions))
    elif regime == "anisotropic":
        # Contextual embeddings share a dominant direction; cosines then sit near 0.6-0.95, as with
        # roberta-large's layer 17, the regime the baseline rescale is meant for.
        common = base if base is not None else rng.standard_normal(dimensions)
        vectors = 2.0 * common + rng.standard_normal((length, dimensions))
    else:
        raise ValueError(regime)
    special = [token_id in (CLS_ID, SEP_ID) for token_id in ids]
    return {"tokenIds": ids, "special": special, "vectors": vectors.astype(np.float32)}


def pair_score(candidate, reference, dtype):
    """bert_score's greedy_cos_idf for one pair (no padding), in `dtype`."""
    hyp = candidate["vectors"].astype(dtype)
    ref = reference["vectors"].astype(dtype)
    hyp = hyp / np.linalg.norm(hyp, axis=-1, keepdims=True).astype(dtype)
    ref = ref / np.linalg.norm(ref, axis=-1, keepdims=True).astype(dtype)
    sim = hyp @ ref.T
    word_precision = sim.max(axis=1)
    word_recall = sim.max(axis=0)
    hyp_idf = np.array([0.0 if s else 1.0 for s in candidate["special"]], dtype=dtype)
    ref_idf = np.array([0.0 if s else 1.0 for s in reference["special"]], dtype=dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        hyp_idf = hyp_idf / hyp_idf.sum(dtype=dtype)
        ref_idf = ref_idf / ref_idf.sum(dtype=dtype)
        p = (word_precision * hyp_idf).sum(dtype=dtype)
        r = (word_recall * ref_idf).sum(dtype=dtype)
        f = dtype(2) * p * r / (p + r)
    if len(candidate["tokenIds"]) == 2 or len(reference["tokenIds"]) == 2:
        p, r = dtype(0), dtype(0)
    if np.isnan(f):
        f = dtype(0)
    return np.array([p, r, f], dtype=dtype)


def case_scores(candidate, references, dtype):
    scores = np.stack([pair_score(candidate, reference, dtype) for reference in references])
    best = scores.max(axis=0)
    baseline = np.array(
        [ROBERTA_LARGE_L17["precision"], ROBERTA_LARGE_L17["recall"], ROBERTA_LARGE_L17["f1"]],
        dtype=np.float32,
    ).astype(dtype)
    rescaled = (best - baseline) / (dtype(1) - baseline)
    as_dict = lambda values: {"precision": float(values[0]), "recall": float(values[1]), "f1": float(values[2])}
    return as_dict(best), as_dict(rescaled)


def encode_text(text):
    return {
        "tokenIds": text["tokenIds"],
        "special": text["special"],
        "vectors": base64.b64encode(text["vectors"].astype("<f4").tobytes()).decode("ascii"),
    }


def main():
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "test" / "fixtures" / "bert-score-golden.json"
    rng = np.random.default_rng(20240917)
    cases = []

    def add(name, dimensions, candidate, references):
        best32, rescaled32 = case_scores(candidate, references, np.float32)
        best64, rescaled64 = case_scores(candidate, references, np.float64)
        cases.append(
            {
                "name": name,
                "dimensions": dimensions,
                "candidate": encode_text(candidate),
                "references": [encode_text(reference) for reference in references],
                "float32": best32,
                "float64": best64,
                "rescaledFloat32": rescaled32,
                "rescaledFloat64": rescaled64,
            }
        )

    d = 32
    common = rng.standard_normal(d)
    for index, (lc, lr) in enumerate([(3, 3), (5, 9), (12, 4), (20, 25), (40, 17), (7, 7)]):
        add(f"anisotropic {lc}x{lr}", d, make_text(rng, lc, d, "anisotropic", base=common),
            [make_text(rng, lr, d, "anisotropic", base=common)])
    for lc, lr in [(6, 11), (15, 8), (30, 30), (4, 3), (3, 5)]:
        # Many cosines negative, so a wrong max (or a max over padding) shows.
        add(f"random {lc}x{lr}", d, make_text(rng, lc, d, "random"), [make_text(rng, lr, d, "random")])

    same = make_text(rng, 10, d, "anisotropic", base=common)
    add("identical texts", d, same, [same])

    # The reference repeats some candidate tokens exactly, in another order, among new ones.
    source = make_text(rng, 12, d, "anisotropic", base=common)
    shuffled = {
        "tokenIds": [CLS_ID] + source["tokenIds"][5:11] + [7, 8, 9] + [SEP_ID],
        "special": [True] + [False] * 9 + [True],
        "vectors": np.concatenate(
            [source["vectors"][[0]], source["vectors"][5:11], make_text(rng, 5, d, "anisotropic", base=common)["vectors"][1:4], source["vectors"][[11]]]
        ),
    }
    add("shared tokens", d, source, [shuffled])

    add("special token inside the text", d, make_text(rng, 14, d, "anisotropic", special_inside=True, base=common),
        [make_text(rng, 10, d, "anisotropic", special_inside=True, base=common)])
    add("empty candidate", d, make_text(rng, 2, d, "anisotropic", base=common), [make_text(rng, 8, d, "anisotropic", base=common)])
    add("empty reference", d, make_text(rng, 8, d, "anisotropic", base=common), [make_text(rng, 2, d, "anisotropic", base=common)])
    add("both empty", d, make_text(rng, 2, d, "anisotropic", base=common), [make_text(rng, 2, d, "anisotropic", base=common)])
    add(
        "three references",
        d,
        make_text(rng, 9, d, "anisotropic", base=common),
        [make_text(rng, length, d, "anisotropic", base=common) for length in (4, 13, 9)],
    )
    add(
        "three references, mixed regimes",
        d,
        make_text(rng, 9, d, "random"),
        [make_text(rng, 6, d, "random"), make_text(rng, 11, d, "anisotropic", base=common), make_text(rng, 2, d, "random")],
    )

    # roberta-large width: float32 accumulation error grows with the dimension.
    wide = 1024
    wide_common = rng.standard_normal(wide)
    add("1024 dimensions", wide, make_text(rng, 9, wide, "anisotropic", base=wide_common),
        [make_text(rng, 11, wide, "anisotropic", base=wide_common)])

    fixture = {
        "description": "BERTScore (bert_score 0.3.13 algorithm, idf off, CLS/SEP weight 0) on pseudo-random token embeddings.",
        "generator": "packages/evaluator/scripts/generate-bertscore-golden.py",
        "numpy": np.__version__,
        "vectorEncoding": "base64 of little-endian float32, row-major [tokens x dimensions]",
        "baseline": ROBERTA_LARGE_L17,
        "cases": cases,
    }
    output.write_text(json.dumps(fixture, indent=2) + "\n")
    # The repository lints JSON with Biome; formatting here keeps a regenerated file byte-identical.
    repository = Path(__file__).resolve().parents[3]
    try:
        subprocess.run(["npx", "biome", "format", "--write", str(output)], cwd=repository, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"warning: could not format {output} with Biome ({error}); run `npx biome format --write` on it.")
    print(f"wrote {len(cases)} cases to {output}")


if __name__ == "__main__":
    main()
