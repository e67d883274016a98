/** A seeded source of uniform and Gaussian numbers, so generated models are identical run to run. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
  /** `length` values drawn from N(mean, std²). */
  normalArray(length: number, std: number, mean?: number): Float32Array;
}

/**
 * mulberry32 for uniforms and Box–Muller for Gaussians: tiny, fast enough for the ~110M weights of a
 * BERT-base-sized model (about a second), and stable across Node versions, unlike `Math.random`.
 */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    // 1 - uniform() is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  const normalArray = (length: number, std: number, mean = 0): Float32Array => {
    const values = new Float32Array(length);
    for (let index = 0; index < length; index++) values[index] = mean + std * normal();
    return values;
  };
  return { uniform, normal, normalArray };
}
