import { describe, expect, it } from 'vitest';
import { createDedupIndex } from '../src/dedup/index.js';

// Unit vectors from a seeded generator, with every third one a near copy of an earlier vector so the
// batches contain real duplicates and near-threshold cases.
function clusteredUnitVectors(count: number, dimensions: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  const data = new Float32Array(count * dimensions);
  for (let i = 0; i < count; i++) {
    const source = i % 3 === 2 ? Math.floor((random() + 0.5) * i) : -1;
    let norm = 0;
    for (let d = 0; d < dimensions; d++) {
      const value = source >= 0 ? data[source * dimensions + d]! + 0.12 * random() : random();
      data[i * dimensions + d] = value;
      norm += value * value;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let d = 0; d < dimensions; d++) data[i * dimensions + d]! *= scale;
  }
  return data;
}

describe('exact search through onnxruntime GEMM', () => {
  it('decides every vector exactly as the JavaScript kernel does', async () => {
    const dimensions = 96;
    const data = clusteredUnitVectors(6000, dimensions, 7);
    // Batches of 1,000 against up to 5,000 stored vectors pass the GEMM size cut-off after the first two.
    const accelerated = await createDedupIndex({ dimensions, threshold: 0.8 });
    const plain = await createDedupIndex({ dimensions, threshold: 0.8, accelerate: false });
    for (let start = 0; start < 6000; start += 1000) {
      const batch = data.subarray(start * dimensions, (start + 1000) * dimensions);
      expect(await accelerated.addIfNovel(batch)).toEqual(await plain.addIfNovel(batch));
    }
    expect(accelerated.size).toBe(plain.size);
    expect(accelerated.size).toBeLessThan(6000);
    expect(accelerated.nearThresholdPairs()).toEqual(plain.nearThresholdPairs());
    accelerated.dispose();
    plain.dispose();
  });
});
