/**
 * Throughput of @tonekit/readability against npm `text-readability`, measured in the same run, single
 * thread, over the 597 passages of ../shared/data/readability/textstat-dev.jsonl.
 *
 * Prints texts/s for each library and the ratio. Rounds alternate between the two libraries so that
 * machine noise hits both alike; the median round is reported. Also prints how often each library
 * agrees with textstat itself on that corpus, because speed without exactness is not the goal.
 *
 * Usage: npm run bench -w @tonekit/readability [-- --seconds 2]   (builds dist/ first)
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
// The package by name resolves to the built dist/ here (what users run); typecheck sees the sources.
import { fleschReadingEase, textStatistics } from '@tonekit/readability';
import textReadability from 'text-readability';

const { clearTokenCaches } = (await import(new URL('../dist/syllable-counter.js', import.meta.url).href)) as {
  clearTokenCaches: () => void;
};

const corpusPath = fileURLToPath(
  new URL('../../../../shared/data/readability/textstat-dev.jsonl', import.meta.url),
);
if (!existsSync(corpusPath)) {
  console.error(`benchmark corpus not found: ${corpusPath} (it lives in the workspace's shared/ folder)`);
  process.exit(2);
}

interface Row {
  text: string;
  'textstat_0.7.11': { flesch: number };
}
const rows = readFileSync(corpusPath, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Row);
const texts = rows.map((row) => row.text);
const totalChars = texts.reduce((sum, text) => sum + text.length, 0);

const secondsArg = process.argv.indexOf('--seconds');
const secondsPerRound = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 1;
const rounds = 5;

let sink = 0; // keeps results alive so the JIT cannot drop the work

function onePass(score: (text: string) => number): void {
  for (const text of texts) sink += score(text);
}

/** Texts per second of repeated passes for about `secondsPerRound` (beforePass is not timed). */
function measure(score: (text: string) => number, beforePass?: () => void): number {
  let passes = 0;
  let elapsed = 0;
  do {
    beforePass?.();
    const start = performance.now();
    onePass(score);
    elapsed += performance.now() - start;
    passes++;
  } while (elapsed < secondsPerRound * 1000);
  return (passes * texts.length) / (elapsed / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const format = (n: number) => Math.round(n).toLocaleString('en-US');

// 1. One-time cost: parsing CMUdict and the hyphenation patterns on first use.
let start = performance.now();
textStatistics('Warm up the dictionaries.', { mode: 'textstat-0.7.11' });
const loadMs11 = performance.now() - start;
start = performance.now();
textStatistics('Warm up the dictionaries.', { mode: 'textstat-0.7.5' });
const loadMs5 = performance.now() - start;

// 2. Cold pass: empty token caches, every word looked up or hyphenated for the first time.
clearTokenCaches();
start = performance.now();
onePass((text) => fleschReadingEase(text));
const coldOursTps = texts.length / ((performance.now() - start) / 1000);
start = performance.now();
onePass((text) => textReadability.fleschReadingEase(text));
const coldPeerTps = texts.length / ((performance.now() - start) / 1000);

// 3. Steady state, alternating rounds.
const cases: {
  name: string;
  ours: (text: string) => number;
  peer: (text: string) => number;
  beforeOurPass?: () => void;
}[] = [
  {
    name: 'Flesch reading ease',
    ours: (text: string) => fleschReadingEase(text),
    peer: (text: string) => textReadability.fleschReadingEase(text),
  },
  {
    name: 'all five numbers',
    ours: (text: string) => {
      const s = textStatistics(text);
      return s.fleschReadingEase + s.fleschKincaidGrade + s.syllableCount + s.lexiconCount + s.sentenceCount;
    },
    peer: (text: string) =>
      textReadability.fleschReadingEase(text) +
      textReadability.fleschKincaidGrade(text) +
      textReadability.syllableCount(text) +
      textReadability.lexiconCount(text) +
      textReadability.sentenceCount(text),
  },
  {
    // Our word cache emptied before every pass: the speed of the code itself on unseen words.
    name: 'FRE, no word cache',
    ours: (text: string) => fleschReadingEase(text),
    peer: (text: string) => textReadability.fleschReadingEase(text),
    beforeOurPass: clearTokenCaches,
  },
];

console.log(`corpus: ${texts.length} texts, ${format(totalChars)} characters (${corpusPath})`);
console.log(
  `node ${process.version}, single thread, ${rounds} alternating rounds of ~${secondsPerRound}s each\n`,
);
console.log(
  `first-use load: CMUdict + patterns ${loadMs11.toFixed(0)} ms (0.7.11), ${loadMs5.toFixed(0)} ms (0.7.5)`,
);
console.log(
  `cold pass (empty word caches): ours ${format(coldOursTps)} texts/s, text-readability ${format(coldPeerTps)} texts/s, ratio ${(coldOursTps / coldPeerTps).toFixed(1)}x\n`,
);

for (const { name, ours, peer, beforeOurPass } of cases) {
  onePass(ours);
  onePass(peer);
  const oursRounds: number[] = [];
  const peerRounds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    oursRounds.push(measure(ours, beforeOurPass));
    peerRounds.push(measure(peer));
  }
  const oursTps = median(oursRounds);
  const peerTps = median(peerRounds);
  console.log(
    `${name.padEnd(20)} ours ${format(oursTps).padStart(9)} texts/s  text-readability ${format(peerTps).padStart(7)} texts/s  ratio ${(oursTps / peerTps).toFixed(1)}x`,
  );
}

// 4. Exactness on the same corpus: agreement with textstat 0.7.11's Flesch reading ease.
const agree = (score: (text: string) => number, tolerance: number) =>
  rows.filter((row) => Math.abs(score(row.text) - row['textstat_0.7.11'].flesch) <= tolerance).length;
console.log(
  `\nagreement with textstat 0.7.11 FRE: ours ${agree((t) => fleschReadingEase(t), 1e-9)}/${rows.length} within 1e-9; ` +
    `text-readability ${agree((t) => textReadability.fleschReadingEase(t), 0.5)}/${rows.length} within 0.5`,
);
if (sink === 42) console.log('');
