#!/usr/bin/env python3
"""Writes the golden figures that @tonekit/evaluator's text metrics are tested against.

Run from the repository root with the project's virtual environment (sacrebleu 2.6.0, rapidfuzz 3.x):

    .venv/bin/python packages/evaluator/scripts/generate-golden-metrics.py

Outputs (packages/evaluator/test/fixtures/):

- golden-pairs.json        the hypothesis/reference pairs: public-domain and CC0 passages of
                           ../shared/data/readability/textstat-dev.jsonl with seeded edits, plus
                           constructed edge cases, plus a multi-reference corpus;
- golden-bleu.json         sacreBLEU 2.6.0: 13a tokens, sentence BLEU (default and option variants),
                           corpus BLEU (single, multiple and variable references, option variants), each
                           with full statistics, signature and format();
- golden-wer.json          jiwer 4 WER and counts per pair and per corpus;
- golden-levenshtein.json  rapidfuzz's edit-operation counts on seeded integer sequences (the test
                           regenerates the sequences with the same generator, so the fixture stays small);
- golden-squad.json        scores of pairs built from ../shared/data/wikipedia/squad-dev-paragraphs.jsonl,
                           numbers only: those texts are CC BY-SA, so the test reads them from ../shared when
                           present and skips otherwise.

jiwer is not installed here. jiwer 4.0's `process_words` is reproduced below from its source: the
default transform (RemoveMultipleSpaces, Strip, ReduceToListOfListOfWords), words mapped to integers,
`rapidfuzz.distance.Levenshtein.opcodes(reference, hypothesis)` counted per tag, and the empty-reference
rule (WER = insertions when the references hold no words).

Everything is deterministic: fixed seeds, no hash-order dependence.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import rapidfuzz
import sacrebleu
from rapidfuzz.distance import Levenshtein
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

logging.getLogger("sacrebleu").setLevel(logging.ERROR)

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent
FIXTURES = PACKAGE / "test" / "fixtures"
SHARED = PACKAGE.parent.parent.parent / "shared" / "data"
TEXTSTAT_DEV = SHARED / "readability" / "textstat-dev.jsonl"
SQUAD = SHARED / "wikipedia" / "squad-dev-paragraphs.jsonl"

# Only texts whose licence allows copying them into an Apache-2.0 repository verbatim.
COPYABLE_LICENCES = {"public domain (Project Gutenberg)", "public domain", "CC0"}

SEED = 20250601


# --------------------------------------------------------------------------------------------------
# jiwer 4.0 (src/jiwer/process.py, transformations.py, transforms.py), reproduced.


def jiwer_words(text: str) -> list[str]:
    text = re.sub(r"\s\s+", " ", text)  # RemoveMultipleSpaces
    text = text.strip()  # Strip
    return [w for w in text.split(" ") if len(w) >= 1]  # ReduceToListOfListOfWords


def jiwer_process_words(references: list[str], hypotheses: list[str]) -> dict:
    ref_words = [jiwer_words(r) for r in references]
    hyp_words = [jiwer_words(h) for h in hypotheses]
    if len(ref_words) == 0:  # ReduceToListOfListOfWords.process_list([]) == [[]]
        ref_words = [[]]
    if len(hyp_words) == 0:
        hyp_words = [[]]
    assert len(ref_words) == len(hyp_words)
    word2int: defaultdict = defaultdict()
    word2int.default_factory = word2int.__len__
    ref_ints = [[word2int[w] for w in s] for s in ref_words]
    hyp_ints = [[word2int[w] for w in s] for s in hyp_words]
    hits = subs = dels = ins = 0
    n_ref = n_hyp = 0
    for r, h in zip(ref_ints, hyp_ints):
        for tag, i1, i2, j1, j2 in Levenshtein.opcodes(r, h):
            if tag == "equal":
                hits += i2 - i1
            elif tag == "replace":
                subs += i2 - i1
            elif tag == "delete":
                dels += i2 - i1
            elif tag == "insert":
                ins += j2 - j1
        n_ref += len(r)
        n_hyp += len(h)
    if n_ref == 0:
        wer = ins
    else:
        wer = float(subs + dels + ins) / float(hits + subs + dels)
    return {"wer": wer, "hits": hits, "substitutions": subs, "deletions": dels, "insertions": ins}


# --------------------------------------------------------------------------------------------------
# sacreBLEU helpers.


def bleu_dict(score, metric: BLEU) -> dict:
    return {
        "score": score.score,
        "counts": list(score.counts),
        "totals": list(score.totals),
        "precisions": list(score.precisions),
        "bp": score.bp,
        "sys_len": score.sys_len,
        "ref_len": score.ref_len,
        "signature": str(metric.get_signature()),
        "formatted": score.format(),
    }


def compact(result: dict) -> list:
    """[score, bp, sys_len, ref_len, counts, totals, precisions]: the variants' rows, without strings."""
    return [result["score"], result["bp"], result["sys_len"], result["ref_len"], result["counts"], result["totals"], result["precisions"]]


def make_bleu(options: dict, sentence: bool) -> BLEU:
    return BLEU(
        lowercase=options.get("lowercase", False),
        tokenize=options.get("tokenize", "13a"),
        smooth_method=options.get("smoothMethod", "exp"),
        smooth_value=options.get("smoothValue"),
        max_ngram_order=options.get("maxNgramOrder", 4),
        effective_order=options.get("effectiveOrder", sentence),
    )


def sentence_bleu(hypothesis: str, references: list[str], options: dict | None = None) -> dict:
    metric = make_bleu(options or {}, sentence=True)
    return bleu_dict(metric.sentence_score(hypothesis, references), metric)


def corpus_bleu(hypotheses: list[str], streams: list[list], options: dict | None = None) -> dict:
    metric = make_bleu(options or {}, sentence=False)
    result = bleu_dict(metric.corpus_score(hypotheses, streams), metric)
    # The per-sentence sufficient statistics in sacreBLEU's layout, so the TS bootstrap input can be
    # checked row by row.
    result["statistics"] = [list(map(int, row)) for row in metric._extract_corpus_statistics(hypotheses, streams)]
    return result


# --------------------------------------------------------------------------------------------------
# Texts and pairs.


def edge_cases() -> list[tuple[str, str, str]]:
    """(id, hypothesis, reference): the corners of both tokenizers and both metrics."""
    cases = [
        ("empty-hypothesis", "", "The cat sat on the mat."),
        ("empty-reference", "The cat sat on the mat.", ""),
        ("both-empty", "", ""),
        ("whitespace-hypothesis", "   \t ", "Something was said here."),
        ("whitespace-reference", "Something was said here.", " \n "),
        ("identical", "Hello, world! How are you today?", "Hello, world! How are you today?"),
        ("identical-one-word", "Yes", "Yes"),
        ("one-word-miss", "yes", "no"),
        ("two-words-swapped", "world hello", "hello world"),
        ("three-words", "I agree completely", "I agree"),
        ("clipping-hypothesis-repeats", "the the the the the the the", "the cat is on the mat"),
        ("clipping-reference-repeats", "the cat", "the the the the the"),
        ("numbers-commas-periods", "It cost $1,000.50 in 1999, not 3.14 or 2,718.", "It cost $1000.50 in 1999 , not 3.14 or 2,718 ."),
        ("numbers-lists", "1,2,3 and 4.5.6 and 7,8.9", "1, 2, 3 and 4. 5. 6 and 7 , 8 . 9"),
        ("period-comma-boundaries", "a.b,c 5.x x.5 ,5 5, .5 5. .. ,, .,", "a . b , c 5 . x x . 5 , 5 5 , . 5 5 ."),
        ("dashes", "A well-known 1990-2000 span -- and - a dash", "A well known 1990 - 2000 span—and – a dash"),
        ("digit-dash", "pages 10-20, 3-4-5 and -5 degrees 7-", "pages 10 - 20 , 3 - 4 - 5 and - 5 degrees 7 -"),
        ("hyphen-newline", "a long hy-\nphenated word\nand a line", "a long hyphenated word and a line"),
        ("html-entities", "Tom &amp; Jerry &quot;quoted&quot; &lt;tag&gt; &amp;amp;", 'Tom & Jerry "quoted" <tag> &amp;'),
        ("skipped-marker", "We <skipped> went home.", "We went home."),
        ("symbols", "@user #tag $5 100% a+b=c a/b a*b {x} [y] (z) <w> ~ ^ _ ` | \\ ;:", "user tag 5 100 a b c"),
        ("apostrophes", "Don't won't can't it's the dogs' bone", "Do not will not cannot it is the dogs bone"),
        ("quotes", 'He said "hi". She said \'bye\'.', "He said hi. She said bye."),
        ("punctuation-only", "!!! ??? ... ,,, ;;;", "! ? . , ;"),
        ("accents", "Café naïve résumé façade coöperate", "Cafe naive resume facade cooperate"),
        ("cjk", "東京は日本の首都です。人口は多い、とても。", "東京は首都です。"),
        ("emoji-astral", "I love 🍕 and 🍣! 𝒳.𝒴, 𝟙,𝟚 😀.", "I love 🍕! 𝒳 . 𝒴 , 𝟙 , 𝟚 😀 ."),
        ("greek-final-sigma", "ΣΑΣ ΟΔΟΣ ΣΟΦΟΣ.", "σας οδος σοφος ."),
        ("turkish-dotted-i", "İstanbul and IZMIR", "istanbul and izmir"),
        ("german-sharp-s", "Die Straße ist GROSS.", "Die STRASSE ist groß."),
        ("arabic-rtl", "مرحبا بالعالم، كيف حالك؟", "مرحبا بالعالم"),
        ("combining-marks", "e\u0301te\u0301 cafe\u0301", "été café"),
        ("tab-between-words", "a\tb c", "a b c"),
        ("newline-between-words", "line one\nline two", "line one line two"),
        ("space-then-tab", "a \tb c", "a b c"),
        ("double-spaces", "  lots   of    space  ", "lots of space"),
        ("nbsp", "a\u00a0b and c\u00a0\u00a0d", "a b and c d"),
        ("unicode-separators", "one\u2028two\u2029three\u3000four\u2003five", "one two three four five"),
        ("ascii-separators", "one\x1ctwo\x1dthree\x1efour\x1ffive", "one two three four five"),
        ("next-line-control", "one\x85two three", "one two three"),
        ("bom-is-not-whitespace", "\ufeffstart \ufeff middle", "start middle"),
        ("vertical-tab-formfeed", "a\x0bb\x0cc d", "a b c d"),
        ("trailing-whitespace-newline", "The end.\n", "The end."),
        ("leading-tab", "\tIndented text here", "Indented text here"),
        ("case-only", "THE QUICK BROWN FOX", "the quick brown fox"),
        ("long-no-overlap", "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu",
         "one two three four five six seven eight nine ten eleven twelve"),
        ("short-vs-long", "Yes.", "Yes, that is right, and I would add that it happened in the spring of 1848."),
        ("long-vs-short", "Yes, that is right, and I would add that it happened in the spring of 1848.", "Yes."),
        ("bigram-only-match", "red apple green pear", "a red apple and a green pear"),
        ("urls-emails", "See https://example.com/a-b?c=1&d=2 or mail me@example.org.", "See https://example.com/a-b?c=1&d=2 or mail me@example.org ."),
        ("decimal-versions", "Python 3.11.4 vs. 3.12, v2.6.0.", "Python 3.11.4 vs . 3.12 , v2.6.0 ."),
        ("time-and-money", "At 10:30 a.m. it was $3.50; at 11.45 p.m., €2,00.", "At 10 : 30 a . m . it was $ 3.50 ; at 11.45 p . m . , € 2,00 ."),
        ("ellipsis-unicode", "Wait… what?! “Really”—yes.", "Wait ... what ? ! \" Really \" - yes ."),
        ("only-digits", "1 2 3 4 5", "1 2 3 4 5 6"),
        ("single-character", "a", "a"),
        ("single-punctuation", ".", "."),
        ("markdown", "**Bold** and _italic_ and `code` and # heading", "Bold and italic and code and heading"),
        ("mixed-newlines-crlf", "first line\r\nsecond line\rthird", "first line second line third"),
    ]
    return cases


def load_copyable_texts() -> list[tuple[str, str]]:
    if not TEXTSTAT_DEV.exists():
        return []
    texts = []
    for line in TEXTSTAT_DEV.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("license") in COPYABLE_LICENCES and row["text"].strip():
            texts.append((row["id"], row["text"]))
    return texts


def truncate_words(text: str, limit: int) -> str:
    words = text.split(" ")
    return " ".join(words[:limit])


def perturb(rng: random.Random, text: str, pool: list[str]) -> str:
    """A plausible hypothesis: the reference with seeded word and punctuation edits."""
    words = text.split(" ")
    edits = rng.randint(1, max(2, len(words) // 2))
    for _ in range(edits):
        k = rng.random()
        if k < 0.22 and len(words) > 1:
            words.pop(rng.randrange(len(words)))
        elif k < 0.40:
            words.insert(rng.randrange(len(words) + 1), rng.choice(pool))
        elif k < 0.58:
            words[rng.randrange(len(words))] = rng.choice(pool)
        elif k < 0.66 and len(words) > 1:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif k < 0.76:
            i = rng.randrange(len(words))
            words[i] = rng.choice([str.upper, str.lower, str.capitalize])(words[i])
        elif k < 0.88:
            i = rng.randrange(len(words))
            if rng.random() < 0.5:
                words[i] = words[i].rstrip(".,;:!?\"'")
            else:
                words[i] = words[i] + rng.choice([",", ".", "!", " ,", "...", ";", "?", "'s"])
        else:
            i = rng.randrange(len(words))
            words[i] = words[i] + rng.choice(["  ", "\t", "\n", " \t", "\u00a0"])
    return " ".join(words)


def build_pairs(rng: random.Random, texts: list[tuple[str, str]]) -> list[dict]:
    pairs = [
        {"id": f"edge:{name}", "hypothesis": hypothesis, "reference": reference}
        for name, hypothesis, reference in edge_cases()
    ]
    pool = sorted({w for _, text in texts for w in text.split() if len(w) < 15}) or ["word", "other", "thing"]
    for index, (source_id, text) in enumerate(texts):
        reference = truncate_words(text, rng.randint(4, 70))
        kind = rng.random()
        if kind < 0.70:
            hypothesis = perturb(rng, reference, pool)
        elif kind < 0.78:
            hypothesis = reference
        elif kind < 0.86:
            hypothesis = truncate_words(reference, max(1, len(reference.split(" ")) // 2))
        elif kind < 0.92:
            other = texts[(index * 7 + 3) % len(texts)][1]
            hypothesis = truncate_words(other, rng.randint(3, 50))
        else:
            hypothesis = reference + " " + perturb(rng, reference, pool)
        pairs.append({"id": f"{source_id}", "hypothesis": hypothesis, "reference": reference})
    return pairs


# --------------------------------------------------------------------------------------------------
# Levenshtein cases: sequences come from a tiny generator that the TS test reimplements bit for bit.


class Lehmer:
    """Park–Miller minimal standard generator: exact in IEEE doubles, trivial to port."""

    def __init__(self, seed: int):
        self.state = seed % 2147483647 or 1

    def next(self) -> int:
        self.state = (self.state * 48271) % 2147483647
        return self.state


def levenshtein_sequences(seed: int, n: int, m: int, vocabulary: int, edited: bool) -> tuple[list[int], list[int]]:
    rng = Lehmer(seed)
    a = [rng.next() % vocabulary for _ in range(n)]
    if not edited:
        b = [rng.next() % vocabulary for _ in range(m)]
        return a, b
    b = list(a)
    for _ in range(m):  # m = number of random edits
        op = rng.next() % 3
        if op == 0 and b:
            b.pop(rng.next() % len(b))
        elif op == 1:
            b.insert(rng.next() % (len(b) + 1), rng.next() % vocabulary)
        elif b:
            b[rng.next() % len(b)] = rng.next() % vocabulary
    return a, b


def levenshtein_cases(rng: random.Random) -> list[dict]:
    cases = []
    sizes = [0, 1, 2, 3, 4, 5, 7, 8, 12, 20, 31, 32, 33, 63, 64, 65, 100, 150]
    for index in range(2000):
        n = rng.choice(sizes)
        edited = rng.random() < 0.6
        m = rng.randint(0, 12) if edited else rng.choice(sizes)
        vocabulary = rng.choice([1, 2, 3, 4, 6, 10, 50, 1000])
        cases.append({"seed": 1000 + index, "n": n, "m": m, "vocabulary": vocabulary, "edited": edited})
    # Large enough for rapidfuzz to switch to Hirschberg's algorithm (over ~4M cells).
    cases += [
        {"seed": 7, "n": 2100, "m": 2200, "vocabulary": 50, "edited": False},
        {"seed": 8, "n": 3000, "m": 2900, "vocabulary": 8, "edited": False},
        {"seed": 9, "n": 2600, "m": 400, "vocabulary": 300, "edited": True},
    ]
    rows = []
    for case in cases:
        a, b = levenshtein_sequences(case["seed"], case["n"], case["m"], case["vocabulary"], case["edited"])
        tags = Counter(op.tag for op in Levenshtein.editops(a, b))
        rows.append(
            [case["seed"], case["n"], case["m"], case["vocabulary"], int(case["edited"]), tags["replace"], tags["delete"], tags["insert"]]
        )
    return rows


# --------------------------------------------------------------------------------------------------
# Tokenizer fuzz: random strings over an alphabet of the characters the tokenizers treat specially.
# The fixture holds the recipe and a digest of the outputs, not the strings.

FUZZ_ALPHABET = [
    "a", "b", "Z", "1", "2", "0", "9", " ", " ", " ", ".", ",", "-", "\n", "\r", "\t", "\x0b", "&", "$", "'", '"',
    "(", ")", "/", "@", "[", "`", "{", "~", "é", "İ", "Σ", "ß", "😀", "\U0001d4b3", "\x1c", "\x85", "\ufeff",
    "\u00a0", "\u2028", "\u3000", "&amp;", "&quot;", "&lt;", "<skipped>", "-\n", "..", ",,", "5.", ",5", "1-",
]


def fuzz_strings(seed: int, count: int) -> list[str]:
    rng = Lehmer(seed)
    strings = []
    for _ in range(count):
        length = rng.next() % 31
        strings.append("".join(FUZZ_ALPHABET[rng.next() % len(FUZZ_ALPHABET)] for _ in range(length)))
    return strings


def fuzz_digest(strings: list[str]) -> str:
    """sha256 of every output, tokens joined by U+0001, fields by U+0002, strings by U+0003."""
    tokenizer = Tokenizer13a()
    parts = []
    for s in strings:
        fields = [
            tokenizer(s.rstrip()).split(" "),
            tokenizer(s.lower().rstrip()).split(" "),
            jiwer_words(s),
            s.split(),
        ]
        parts.append("\u0002".join("\u0001".join(tokens) for tokens in fields))
    return hashlib.sha256("\u0003".join(parts).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------------
# SQuAD-derived pairs (texts stay in ../shared; the fixture holds numbers only). The recipe is
# mirrored in test/metrics/squad-parity.test.ts.


def squad_pairs() -> tuple[list[dict], str] | None:
    if not SQUAD.exists():
        return None
    raw = SQUAD.read_bytes()
    pairs = []
    for line in raw.decode("utf-8").split("\n"):
        if not line.strip():
            continue
        paragraph = json.loads(line)
        questions = [q["question"] for q in paragraph["questions"]]
        pairs.append({"id": paragraph["id"], "hypothesis": " ".join(questions), "reference": paragraph["text"]})
        for qi, q in enumerate(paragraph["questions"]):
            distinct = list(dict.fromkeys(q["answers"]))
            if len(distinct) >= 2:
                pairs.append({"id": f"{paragraph['id']}/q{qi}", "hypothesis": distinct[-1], "reference": distinct[0]})
    return pairs, hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------------------------------


SENTENCE_VARIANTS = [
    {"lowercase": True},
    {"tokenize": "none"},
    {"smoothMethod": "floor"},
    {"smoothMethod": "floor", "smoothValue": 0.2},
    {"smoothMethod": "add-k"},
    {"smoothMethod": "add-k", "smoothValue": 0.5},
    {"smoothMethod": "none"},
    {"effectiveOrder": False},
    {"maxNgramOrder": 2},
    {"maxNgramOrder": 6, "smoothMethod": "floor", "smoothValue": 0.125},
    # (distinct tokens + 1)^14 exceeds 2^53 from 14 distinct tokens: the string-key path of the TS port.
    {"maxNgramOrder": 14},
]

CORPUS_VARIANTS = [
    {},
    {"lowercase": True},
    {"tokenize": "none"},
    {"smoothMethod": "floor"},
    {"smoothMethod": "add-k"},
    {"smoothMethod": "none"},
    {"effectiveOrder": True},
    {"maxNgramOrder": 3},
    {"maxNgramOrder": 14, "smoothMethod": "floor"},
]


WRITTEN: list[Path] = []


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
    WRITTEN.append(path)


def format_with_biome() -> None:
    """The repository's formatter owns JSON layout; numbers and strings pass through it verbatim."""
    npx = shutil.which("npx")
    if npx is None:
        print("npx not found: run `npx biome format --write packages/evaluator/test/fixtures` before committing")
        return
    subprocess.run(
        [npx, "biome", "format", "--write", *[str(p.relative_to(PACKAGE.parent.parent)) for p in WRITTEN]],
        cwd=PACKAGE.parent.parent,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.parse_args()
    if sacrebleu.__version__ != "2.6.0":
        sys.exit(f"sacrebleu 2.6.0 expected (the version the signatures name), found {sacrebleu.__version__}")
    rng = random.Random(SEED)
    texts = load_copyable_texts()
    pairs = build_pairs(rng, texts)
    hypotheses = [p["hypothesis"] for p in pairs]
    references = [p["reference"] for p in pairs]

    # A multi-reference corpus over the first pairs: a second reference stream made of other edits of
    # the reference, and a third stream with gaps (None), which makes the reference count variable.
    pool = sorted({w for r in references for w in r.split()}) or ["word"]
    multi_count = min(80, len(pairs))
    second = [perturb(rng, references[i], pool) for i in range(multi_count)]
    third = [perturb(rng, references[i], pool) if i % 3 == 0 else None for i in range(multi_count)]

    generator = {
        "script": "packages/evaluator/scripts/generate-golden-metrics.py",
        "python": sys.version.split()[0],
        "sacrebleu": sacrebleu.__version__,
        "rapidfuzz": rapidfuzz.__version__,
        "jiwer": "4.0 process_words reproduced with rapidfuzz (see the script)",
        "seed": SEED,
        "copyable_texts": len(texts),
    }

    write_json(
        FIXTURES / "golden-pairs.json",
        {
            "generator": generator,
            "licence": "Texts: public domain (Project Gutenberg, public-domain rows of textstat-dev) and CC0 "
            "(constructed); edits and edge cases written for this fixture.",
            "pairs": pairs,
            "multiReference": {"count": multi_count, "secondReferences": second, "thirdReferences": third},
        },
    )

    tokenizer = Tokenizer13a()
    edge_strings = sorted({s for p in pairs if p["id"].startswith("edge:") for s in (p["hypothesis"], p["reference"])})
    tokenization = [
        {"text": s, "13a": tokenizer(s.rstrip()), "13a-lc": tokenizer(s.lower().rstrip()), "jiwer": jiwer_words(s)}
        for s in edge_strings
    ]

    sentence = [sentence_bleu(h, [r]) for h, r in zip(hypotheses, references)]
    assert len({row.pop("signature") for row in sentence}) == 1
    sentence_signature = sentence_bleu(hypotheses[0], [references[0]])["signature"]
    variant_rows = [i for i in range(len(pairs)) if pairs[i]["id"].startswith("edge:") or i % 8 == 0]
    sentence_variants = []
    for options in SENTENCE_VARIANTS:
        results = [sentence_bleu(hypotheses[i], [references[i]], options) for i in variant_rows]
        sentence_variants.append(
            {"options": options, "signature": results[0]["signature"], "pairs": variant_rows, "results": [compact(r) for r in results]}
        )
    multi_sentence = [
        {"pair": i, "references": refs, "result": sentence_bleu(hypotheses[i], refs)}
        for i in range(0, multi_count, 5)
        for refs in [[references[i], second[i]] + ([third[i]] if third[i] is not None else [])]
    ]
    corpus = [{"options": options, "result": corpus_bleu(hypotheses, [references], options)} for options in CORPUS_VARIANTS]
    for row in corpus:
        if row["options"]:
            del row["result"]["statistics"]  # the default run's rows suffice
    multi_hypotheses = hypotheses[:multi_count]
    multi_corpus = {
        "two": corpus_bleu(multi_hypotheses, [references[:multi_count], second]),
        "variable": corpus_bleu(multi_hypotheses, [references[:multi_count], second, third]),
    }
    # sentences without edge cases: a realistic corpus whose figure is not dominated by odd rows
    write_json(
        FIXTURES / "golden-bleu.json",
        {
            "generator": generator,
            "tokenization": tokenization,
            "sentenceSignature": sentence_signature,
            "sentence": sentence,
            "sentenceVariants": sentence_variants,
            "multiReferenceSentence": multi_sentence,
            "corpus": corpus,
            "multiReferenceCorpus": multi_corpus,
        },
    )

    wer_pairs = [jiwer_process_words([r], [h]) for h, r in zip(hypotheses, references)]
    nonempty = [i for i, r in enumerate(references) if jiwer_words(r)]
    write_json(
        FIXTURES / "golden-wer.json",
        {
            "generator": generator,
            "pairs": wer_pairs,
            "corpus": jiwer_process_words(references, hypotheses),
            "corpusNonEmptyReferences": {
                "pairs": nonempty,
                "result": jiwer_process_words([references[i] for i in nonempty], [hypotheses[i] for i in nonempty]),
            },
            "emptyReferencesOnly": {
                "references": ["", "   ", "\t"],
                "hypotheses": ["", "one two", "three"],
                "result": jiwer_process_words(["", "   ", "\t"], ["", "one two", "three"]),
            },
            "emptyCorpus": jiwer_process_words([], []),
        },
    )

    write_json(
        FIXTURES / "golden-levenshtein.json",
        {
            "generator": generator,
            "columns": ["seed", "n", "m", "vocabulary", "edited", "substitutions", "deletions", "insertions"],
            "cases": levenshtein_cases(rng),
        },
    )

    fuzz_seed, fuzz_count = 424242, 30000
    write_json(
        FIXTURES / "golden-tokenizer-fuzz.json",
        {
            "generator": generator,
            "recipe": "Lehmer(seed); per string: length = next() % 31, then alphabet[next() % len(alphabet)] per "
            "character. Digest: sha256 over UTF-8 of, per string, [13a(rstrip(s)), 13a(rstrip(lower(s))), "
            "jiwer words, s.split()], tokens joined by U+0001, fields by U+0002, strings by U+0003.",
            "seed": fuzz_seed,
            "count": fuzz_count,
            "alphabet": FUZZ_ALPHABET,
            "sha256": fuzz_digest(fuzz_strings(fuzz_seed, fuzz_count)),
        },
    )

    squad = squad_pairs()
    if squad is None:
        print(f"skipped golden-squad.json: {SQUAD} is absent")
    else:
        squad_list, digest = squad
        squad_h = [p["hypothesis"] for p in squad_list]
        squad_r = [p["reference"] for p in squad_list]
        corpus_result = corpus_bleu(squad_h, [squad_r])
        del corpus_result["statistics"]
        write_json(
            FIXTURES / "golden-squad.json",
            {
                "generator": generator,
                "source": "../shared/data/wikipedia/squad-dev-paragraphs.jsonl",
                "sha256": digest,
                "recipe": "per paragraph: (all questions joined by a space, paragraph text); per question with >= 2 "
                "distinct answers: (last distinct answer, first distinct answer). Hypothesis first.",
                "ids": [p["id"] for p in squad_list],
                "sentenceBleu": [sentence_bleu(h, [r])["score"] for h, r in zip(squad_h, squad_r)],
                "wer": [
                    [w["hits"], w["substitutions"], w["deletions"], w["insertions"]]
                    for w in (jiwer_process_words([r], [h]) for h, r in zip(squad_h, squad_r))
                ],
                "corpusBleu": corpus_result,
                "corpusWer": jiwer_process_words(squad_r, squad_h),
            },
        )

    format_with_biome()
    for path in WRITTEN:
        print(f"wrote {path.relative_to(PACKAGE)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
