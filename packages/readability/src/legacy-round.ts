/**
 * textstat 0.7.5's `legacy_round`: floor(x·10^p + copysign(0.5, x)) / 10^p.
 * Not symmetric for negative x (−15.59 → −15.7 at one decimal) and −0 rounds away from zero; both
 * quirks are copied on purpose so scores match textstat bit for bit.
 */
export function legacyRound(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  const half = value < 0 || Object.is(value, -0) ? -0.5 : 0.5;
  return Math.floor(value * scale + half) / scale;
}
