/**
 * The accessible label of one chart mark: "key: value" pairs joined by "; ", e.g.
 * "source: run; series: Llama 3.2 1B · int8; training samples: 1000; % conversational: 97.8".
 * Screen readers read it, and tests split it back into pairs to check every drawn number.
 */
export function describeMark(pairs: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  return pairs
    .filter((pair): pair is readonly [string, string | number] => pair[1] !== undefined)
    .map(([key, value]) => `${key}: ${value}`)
    .join('; ');
}
