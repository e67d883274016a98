import {
  CONVERSATIONAL_THRESHOLD,
  READABILITY_MODES,
  REPHRASE_THRESHOLD,
  type ReadabilityMode,
  type TextStatistics,
  textStatistics,
} from '@tonekit/readability';
import { DEMO_EXAMPLES, type DemoExample } from './demo-examples.js';

export interface ScoredDemoText {
  text: string;
  /** One entry per readability mode, in READABILITY_MODES order. */
  scores: TextStatistics[];
}

export interface ScoredDemoExample {
  id: string;
  question: string;
  formal: ScoredDemoText;
  conversational: ScoredDemoText;
}

export interface DemoVersionSummary {
  count: number;
  meanFleschReadingEase: number;
  /** At or above seed A's evaluation threshold (60). */
  conversational: { count: number; share: number };
  /** At or above seed A's data-generation threshold (75). */
  reachesRephraseThreshold: { count: number; share: number };
}

export interface DemoModeSummary {
  mode: ReadabilityMode;
  formal: DemoVersionSummary;
  conversational: DemoVersionSummary;
}

export interface DemoReport {
  note: string;
  thresholds: { conversational: number; rephrase: number };
  modes: readonly ReadabilityMode[];
  examples: ScoredDemoExample[];
  summary: DemoModeSummary[];
}

export const DEMO_NOTE =
  'Built-in example texts written for this demo: each question has a formal, encyclopedic answer and a ' +
  'conversational rephrasing. Every score is computed at run time with @tonekit/readability.';

/** Everything the demo prints, computed at run time: no figure is stored in the source. */
export function scoreDemoExamples(examples: readonly DemoExample[] = DEMO_EXAMPLES): DemoReport {
  const scored = examples.map((example) => ({
    id: example.id,
    question: example.question,
    formal: scoreText(example.formal),
    conversational: scoreText(example.conversational),
  }));
  return {
    note: DEMO_NOTE,
    thresholds: { conversational: CONVERSATIONAL_THRESHOLD, rephrase: REPHRASE_THRESHOLD },
    modes: READABILITY_MODES,
    examples: scored,
    summary: READABILITY_MODES.map((mode, modeIndex) => ({
      mode,
      formal: summarize(scored.map((example) => example.formal.scores[modeIndex]!)),
      conversational: summarize(scored.map((example) => example.conversational.scores[modeIndex]!)),
    })),
  };
}

function scoreText(text: string): ScoredDemoText {
  return { text, scores: READABILITY_MODES.map((mode) => textStatistics(text, { mode })) };
}

function summarize(scores: readonly TextStatistics[]): DemoVersionSummary {
  const count = scores.length;
  const share = (n: number) => (count === 0 ? 0 : n / count);
  const conversational = scores.filter((s) => s.fleschReadingEase >= CONVERSATIONAL_THRESHOLD).length;
  const rephrase = scores.filter((s) => s.fleschReadingEase >= REPHRASE_THRESHOLD).length;
  return {
    count,
    meanFleschReadingEase: count === 0 ? 0 : scores.reduce((sum, s) => sum + s.fleschReadingEase, 0) / count,
    conversational: { count: conversational, share: share(conversational) },
    reachesRephraseThreshold: { count: rephrase, share: share(rephrase) },
  };
}
