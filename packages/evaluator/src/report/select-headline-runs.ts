import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { compareRunPreference } from './compare-run-preference.js';
import { normalizeModel } from './describe-configuration.js';

export interface HeadlineRuns {
  /** The model as the first of its runs spells it. */
  model: string;
  base?: EvaluationMetrics;
  fineTuned?: EvaluationMetrics;
}

/**
 * Picks the two bars of seed A Fig. 2 per model, among runs that report % conversational. Fine-tuned:
 * the run with the most training samples (the paper's headline is the full 9,000), ties broken by the
 * highest % conversational. Base: the highest % conversational, i.e. the strongest prompt-only
 * baseline, so the comparison never flatters fine-tuning. Models keep the order of their first run.
 */
export function selectHeadlineRuns(runs: readonly EvaluationMetrics[]): HeadlineRuns[] {
  const byModel = new Map<
    string,
    { model: string; base: EvaluationMetrics[]; fineTuned: EvaluationMetrics[] }
  >();
  for (const entry of runs) {
    const { variant, model } = entry.run;
    if (
      (variant !== 'base' && variant !== 'fine-tuned') ||
      entry.metrics.conversationalPercent === undefined
    ) {
      continue;
    }
    const key = normalizeModel(model);
    let group = byModel.get(key);
    if (group === undefined) {
      group = { model, base: [], fineTuned: [] };
      byModel.set(key, group);
    }
    (variant === 'base' ? group.base : group.fineTuned).push(entry);
  }
  return [...byModel.values()].map(({ model, base, fineTuned }) => {
    const selection: HeadlineRuns = { model };
    const bestBase = [...base].sort(compareRunPreference)[0];
    const bestFineTuned = [...fineTuned].sort(compareRunPreference)[0];
    if (bestBase) selection.base = bestBase;
    if (bestFineTuned) selection.fineTuned = bestFineTuned;
    return selection;
  });
}
