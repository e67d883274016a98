/**
 * Prices of one model in US dollars per million tokens, as the provider bills them. tonekit ships no
 * price table: prices change without notice and a stale number in a run manifest is worse than none.
 * Pass the prices you pay (`prices` of `createOpenAICompatibleChatModel`) to get `usage.costUsd` from
 * providers that do not report cost themselves; OpenRouter reports it, and its number wins.
 */
export interface ModelPrices {
  inputPerMillion: number;
  outputPerMillion: number;
}
