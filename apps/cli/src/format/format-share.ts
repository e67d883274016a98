/** `812 of 1,234 (65.8%)`: the count first so a small denominator is never hidden behind a percentage. */
export function formatShare(count: number, total: number): string {
  const percent = total === 0 ? '–' : `${((100 * count) / total).toFixed(1)}%`;
  return `${count.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} (${percent})`;
}
