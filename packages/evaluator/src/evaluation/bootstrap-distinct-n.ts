import type { Aggregate } from '../evaluation-metrics.js';
import { type BootstrapOptions, bootstrapConfidenceInterval, diversityTokens } from '../metrics/index.js';

/**
 * distinct-n over the responses (see `distinctN`) with a seeded percentile bootstrap interval over
 * responses. N-grams are interned to integers once, so each resample is a pass over integer arrays
 * with a stamp array instead of a Set of strings: 1,000 resamples of 10,000 responses take well under
 * a second.
 */
export function bootstrapDistinctN(
  responses: readonly string[],
  n: number,
  options: BootstrapOptions = {},
): Aggregate {
  const ids = new Map<string, number>();
  const perResponse = responses.map((response) => {
    const tokens = diversityTokens(response);
    const grams = new Int32Array(Math.max(0, tokens.length - n + 1));
    for (let i = 0; i < grams.length; i++) {
      const gram = n === 1 ? (tokens[i] ?? '') : tokens.slice(i, i + n).join(' ');
      let id = ids.get(gram);
      if (id === undefined) {
        id = ids.size;
        ids.set(gram, id);
      }
      grams[i] = id;
    }
    return grams;
  });
  const stamps = new Int32Array(ids.size).fill(-1);
  let stamp = 0;
  const distinct = (rows?: Int32Array): number => {
    stamp++;
    let unique = 0;
    let total = 0;
    const count = rows ? rows.length : perResponse.length;
    for (let r = 0; r < count; r++) {
      const grams = perResponse[rows ? (rows[r] ?? 0) : r] ?? new Int32Array();
      total += grams.length;
      for (const gram of grams) {
        if (stamps[gram] !== stamp) {
          stamps[gram] = stamp;
          unique++;
        }
      }
    }
    return total === 0 ? 0 : unique / total;
  };
  return { value: distinct(), ci: bootstrapConfidenceInterval(responses.length, distinct, options) };
}
