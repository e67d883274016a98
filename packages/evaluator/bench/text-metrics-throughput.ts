/**
 * Throughput of the evaluator's text metrics over 10,000 response/reference pairs, single thread, and
 * sacreBLEU's speed on the very same pairs measured in the same run.
 *
 * Pairs: the 278 committed golden pairs (test/fixtures/golden-pairs.json), each turned into ~36 variants
 * by seeded word edits, so no two strings repeat and nothing is served from a cache.
 *
 * Measured: corpus BLEU, sentence BLEU of every pair, corpus WER, average response length, distinct-1/2,
 * MATTR and the Flesch conversational share (everything but BERTScore, the judge and embeddings). Each
 * metric runs `--rounds` times (default 3) after a warm-up; the median round is reported. When a Python
 * with sacrebleu is found (the repository's .venv, else `python3`), the same pairs are written to a
 * temporary file and timed inside Python (interpreter start-up and file loading excluded): corpus_bleu,
 * sentence_bleu per pair (the compat function users call), BLEU(effective_order=True).sentence_score per
 * pair (the fastest sacreBLEU path), and jiwer 4's WER algorithm on rapidfuzz (jiwer is not installed).
 *
 * Usage: npx tsx bench/text-metrics-throughput.ts [--pairs 10000] [--rounds 3] [--no-python]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createSeededRandom } from '@tonekit/dataset';
import {
  averageResponseLength,
  conversationalShare,
  corpusBleu,
  distinct1,
  distinct2,
  mattr,
  sentenceBleu,
  wordErrorRate,
} from '../src/metrics/index.js';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
const pairCount = argument('--pairs', 10_000);
const rounds = argument('--rounds', 3);
const withPython = !process.argv.includes('--no-python');

// 1. The pairs.
const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../test/fixtures/golden-pairs.json', import.meta.url)), 'utf8'),
) as { pairs: { hypothesis: string; reference: string }[] };
const seeds = fixture.pairs.filter((pair) => pair.reference.trim() !== '' && pair.hypothesis.trim() !== '');
const vocabulary = [...new Set(seeds.flatMap((pair) => pair.reference.split(' ')))];
const random = createSeededRandom(2025);
function edit(text: string): string {
  const words = text.split(' ');
  const edits = 1 + random.nextInt(Math.max(1, Math.ceil(words.length / 4)));
  for (let k = 0; k < edits; k++) {
    const position = random.nextInt(words.length);
    const word = vocabulary[random.nextInt(vocabulary.length)]!;
    const kind = random.nextInt(3);
    if (kind === 0 && words.length > 1) words.splice(position, 1);
    else if (kind === 1) words.splice(position, 0, word);
    else words[position] = word;
  }
  return words.join(' ');
}
const hypotheses: string[] = [];
const references: string[] = [];
for (let i = 0; i < pairCount; i++) {
  const seed = seeds[i % seeds.length]!;
  references.push(i < seeds.length ? seed.reference : edit(seed.reference));
  hypotheses.push(edit(seed.hypothesis));
}
const words = hypotheses.reduce((sum, text) => sum + text.split(' ').length, 0);

// 2. TypeScript.
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
let sink = 0; // keeps results alive so the JIT cannot drop the work
/** Median seconds of `rounds` runs after one warm-up run. */
function time(run: () => number): number {
  sink += run();
  const seconds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    sink += run();
    seconds.push((performance.now() - start) / 1000);
  }
  return median(seconds);
}

const cases: [string, () => number][] = [
  ['corpus BLEU', () => corpusBleu(hypotheses, [references]).score],
  [
    'sentence BLEU × pairs',
    () => {
      let sum = 0;
      for (let i = 0; i < pairCount; i++) sum += sentenceBleu(hypotheses[i]!, [references[i]!]).score;
      return sum;
    },
  ],
  ['corpus WER', () => wordErrorRate(references, hypotheses).wer],
  ['average response length', () => averageResponseLength(hypotheses).value],
  ['distinct-1 + distinct-2', () => distinct1(hypotheses).value + distinct2(hypotheses).value],
  ['MATTR (window 50)', () => mattr(hypotheses).value],
  ['Flesch share (textstat 0.7.11)', () => conversationalShare(hypotheses).percent],
];
const ours = new Map<string, number>();
for (const [name, run] of cases) ours.set(name, time(run));
const total = [...ours.values()].reduce((a, b) => a + b, 0);

const format = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
console.log(
  `${format(pairCount)} pairs (${format(words)} hypothesis words), Node ${process.version}, median of ${rounds} rounds\n`,
);
console.log('@tonekit/evaluator                    time        pairs/s');
for (const [name, seconds] of ours) {
  console.log(`  ${name.padEnd(34)} ${ms(seconds).padStart(10)} ${format(pairCount / seconds).padStart(12)}`);
}
console.log(
  `  ${'all of the above'.padEnd(34)} ${ms(total).padStart(10)} ${format(pairCount / total).padStart(12)}`,
);

// 3. sacreBLEU on the same pairs, in the same run.
function findPython(): string | undefined {
  const venv = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));
  for (const candidate of [venv, 'python3']) {
    if (candidate === venv && !existsSync(venv)) continue;
    const probe = spawnSync(candidate, ['-c', 'import sacrebleu, rapidfuzz; print(sacrebleu.__version__)'], {
      encoding: 'utf8',
    });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

const pythonScript = String.raw`
import json, re, sys, time, statistics, logging
import sacrebleu, rapidfuzz
from sacrebleu.metrics.bleu import BLEU
from rapidfuzz.distance import Levenshtein
from collections import defaultdict
logging.getLogger("sacrebleu").setLevel(logging.ERROR)
data = json.load(open(sys.argv[1], encoding="utf-8"))
hyps, refs, rounds = data["hypotheses"], data["references"], data["rounds"]

def jiwer_words(text):
    text = re.sub(r"\s\s+", " ", text).strip()
    return [w for w in text.split(" ") if w]

def jiwer_wer(references, hypotheses):
    ids = defaultdict(); ids.default_factory = ids.__len__
    H = S = D = I = 0
    for r, h in zip(references, hypotheses):
        r = [ids[w] for w in jiwer_words(r)]; h = [ids[w] for w in jiwer_words(h)]
        for tag, i1, i2, j1, j2 in Levenshtein.opcodes(r, h):
            if tag == "equal": H += i2 - i1
            elif tag == "replace": S += i2 - i1
            elif tag == "delete": D += i2 - i1
            else: I += j2 - j1
    return (S + D + I) / (H + S + D) if H + S + D else I

def sentence_compat():
    return sum(sacrebleu.sentence_bleu(h, [r]).score for h, r in zip(hyps, refs))

def sentence_reused():
    metric = BLEU(effective_order=True)
    return sum(metric.sentence_score(h, [r]).score for h, r in zip(hyps, refs))

cases = {
    "corpus_bleu": lambda: sacrebleu.corpus_bleu(hyps, [refs]).score,
    "sentence_bleu": sentence_compat,
    "BLEU.sentence_score": sentence_reused,
    "jiwer-wer": lambda: jiwer_wer(refs, hyps),
}
out = {"python": sys.version.split()[0], "sacrebleu": sacrebleu.__version__, "rapidfuzz": rapidfuzz.__version__}
for name, run in cases.items():
    value = run()
    times = []
    for _ in range(rounds):
        start = time.perf_counter(); run(); times.append(time.perf_counter() - start)
    out[name] = {"seconds": statistics.median(times), "value": value}
print(json.dumps(out))
`;

const python = withPython ? findPython() : undefined;
if (!python) {
  console.log(
    withPython ? '\nsacreBLEU: no Python with sacrebleu and rapidfuzz found; peer comparison skipped.' : '',
  );
} else {
  const folder = mkdtempSync(join(tmpdir(), 'tonekit-bench-'));
  try {
    const input = join(folder, 'pairs.json');
    writeFileSync(input, JSON.stringify({ hypotheses, references, rounds }));
    const run = spawnSync(python, ['-c', pythonScript, input], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) throw new Error(`python failed (${run.status}):\n${run.stderr}`);
    const peer = JSON.parse(run.stdout) as Record<string, { seconds: number; value: number }> & {
      python: string;
      sacrebleu: string;
      rapidfuzz: string;
    };
    const corpusScore = corpusBleu(hypotheses, [references]).score;
    const sentenceSum = cases[1]![1]();
    const wer = wordErrorRate(references, hypotheses).wer;
    console.log(
      `\nPeer in the same run: Python ${peer.python}, sacrebleu ${peer.sacrebleu}, rapidfuzz ${peer.rapidfuzz} (${python})`,
    );
    console.log('                                       peer        ours     speed-up   |Δ value|');
    // |Δ value|: difference of the figures both computed (for sentence BLEU, of the sum of all scores).
    const rows: [string, string, number, number, number][] = [
      [
        'corpus BLEU vs corpus_bleu',
        'corpus_bleu',
        ours.get('corpus BLEU')!,
        peer.corpus_bleu!.value,
        corpusScore,
      ],
      [
        'sentence BLEU vs sentence_bleu()',
        'sentence_bleu',
        ours.get('sentence BLEU × pairs')!,
        peer.sentence_bleu!.value,
        sentenceSum,
      ],
      [
        'sentence BLEU vs BLEU.sentence_score',
        'BLEU.sentence_score',
        ours.get('sentence BLEU × pairs')!,
        peer['BLEU.sentence_score']!.value,
        sentenceSum,
      ],
      [
        'corpus WER vs jiwer 4 on rapidfuzz',
        'jiwer-wer',
        ours.get('corpus WER')!,
        peer['jiwer-wer']!.value,
        wer,
      ],
    ];
    for (const [label, key, oursSeconds, peerValue, oursValue] of rows) {
      const peerSeconds = peer[key]!.seconds;
      console.log(
        `  ${label.padEnd(36)} ${ms(peerSeconds).padStart(10)} ${ms(oursSeconds).padStart(10)} ${`${(peerSeconds / oursSeconds).toFixed(1)}×`.padStart(9)}   ${Math.abs(peerValue - oursValue).toExponential(1)}`,
      );
    }
    const bleuOurs = ours.get('corpus BLEU')! + ours.get('sentence BLEU × pairs')!;
    const bleuPeer = peer.corpus_bleu!.seconds + peer['BLEU.sentence_score']!.seconds;
    console.log(
      `  ${'corpus + sentence BLEU (fastest peer)'.padEnd(36)} ${ms(bleuPeer).padStart(10)} ${ms(bleuOurs).padStart(10)} ${`${(bleuPeer / bleuOurs).toFixed(1)}×`.padStart(9)}`,
    );
    console.log('  (|Δ value| for sentence BLEU is over the sum of all pair scores)');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
if (sink === 0.123456) console.log(sink);
