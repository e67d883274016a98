/**
 * FastChat's sampling temperature per MT-Bench category for generating answers (`temperature_config` in
 * fastchat/llm_judge/common.py): creative categories sample, the ones with a right answer are greedy.
 * Categories not listed get 0.7, as FastChat's answer generators do.
 */
export const MT_BENCH_TEMPERATURES: Readonly<Record<string, number>> = Object.freeze({
  writing: 0.7,
  roleplay: 0.7,
  extraction: 0,
  math: 0,
  coding: 0,
  reasoning: 0,
  stem: 0.1,
  humanities: 0.1,
});

/** The temperature FastChat uses for categories missing from `MT_BENCH_TEMPERATURES`. */
export const MT_BENCH_DEFAULT_TEMPERATURE = 0.7;
