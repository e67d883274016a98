/** The part of a judgment the summary reads. */
export interface MtBenchScoredTurn {
  category: string;
  turn: 1 | 2;
  /** -1 for a parse failure. */
  score: number;
}

/** Means of one group of judgments; a mean is absent when the group has no scored judgment. */
export interface MtBenchGroupSummary {
  /** Mean of turn-1 scores. */
  turn1?: number;
  /** Mean of turn-2 scores. */
  turn2?: number;
  /** Mean of all scores, both turns pooled (FastChat's "Average"); not the mean of `turn1` and `turn2`. */
  average?: number;
  judgments: number;
  /** Judgments with a score, the ones the means are over. */
  scored: number;
  /** Judgments whose answer had no `[[n]]` or `[n]` (score -1): excluded from the means, counted here. */
  parseFailures: number;
}

/** MT-Bench single-answer grading results, as FastChat's `show_result.py --mode single` reports them, by category too. */
export interface MtBenchSummary extends MtBenchGroupSummary {
  /** Per category, in order of first appearance. */
  perCategory: Record<string, MtBenchGroupSummary>;
}

/**
 * Aggregates judgments as FastChat's `show_result.py` does: judgments scored -1 are dropped, then the
 * mean per turn and the mean over every remaining judgment ("Average") are taken. Parse failures are
 * counted, overall and per category, so a judge that often breaks the format is visible.
 */
export function summarizeMtBench(judgments: readonly MtBenchScoredTurn[]): MtBenchSummary {
  const overall = new GroupAccumulator();
  const categories = new Map<string, GroupAccumulator>();
  for (const { category, turn, score } of judgments) {
    overall.add(turn, score);
    let group = categories.get(category);
    if (group === undefined) {
      group = new GroupAccumulator();
      categories.set(category, group);
    }
    group.add(turn, score);
  }
  const perCategory: Record<string, MtBenchGroupSummary> = {};
  for (const [category, group] of categories) perCategory[category] = group.summary();
  return { ...overall.summary(), perCategory };
}

class GroupAccumulator {
  private readonly sums = [0, 0];
  private readonly counts = [0, 0];
  private judgments = 0;
  private parseFailures = 0;

  add(turn: 1 | 2, score: number): void {
    this.judgments++;
    if (score === -1) {
      this.parseFailures++;
      return;
    }
    this.sums[turn - 1]! += score;
    this.counts[turn - 1]!++;
  }

  summary(): MtBenchGroupSummary {
    const [sum1, sum2] = this.sums as [number, number];
    const [count1, count2] = this.counts as [number, number];
    return {
      ...(count1 > 0 ? { turn1: sum1 / count1 } : {}),
      ...(count2 > 0 ? { turn2: sum2 / count2 } : {}),
      ...(count1 + count2 > 0 ? { average: (sum1 + sum2) / (count1 + count2) } : {}),
      judgments: this.judgments,
      scored: count1 + count2,
      parseFailures: this.parseFailures,
    };
  }
}
