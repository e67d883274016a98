import type { ResolvedTrainSpec, TrainSpec } from '@tonekit/trainer';

/**
 * Fills the OpenAI key from OPENAI_API_KEY when an `openai` spec names none: libraries never read the
 * environment, the CLI does. Done after parsing and printing, so `--dry-run` never shows the key.
 */
export function withOpenAIKey<Spec extends TrainSpec | ResolvedTrainSpec>(
  spec: Spec,
  env: Record<string, string | undefined>,
): Spec {
  const key = env['OPENAI_API_KEY'];
  if (spec.backend !== 'openai' || spec.openai?.apiKey !== undefined || !key) return spec;
  return { ...spec, openai: { ...spec.openai, apiKey: key } };
}
