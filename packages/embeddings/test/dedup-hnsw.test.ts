import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDedupIndex, DedupIndex } from '../src/dedup/index.js';
import { clusteredUnitVectors } from '../src/dedup/synthetic-vectors.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tonekit-dedup-hnsw-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const dimensions = 64;

function dot(a: Float32Array, aRow: number, b: Float32Array, bRow: number): number {
  let sum = 0;
  for (let d = 0; d < dimensions; d++) sum += a[aRow * dimensions + d]! * b[bRow * dimensions + d]!;
  return sum;
}

describe('approximate (HNSW) mode', () => {
  it('catches >= 99% of true duplicates on a clustered set, one vector at a time', async () => {
    const count = 3000;
    const { data } = clusteredUnitVectors({
      count,
      dimensions,
      seed: 51,
      duplicateShare: 0.3,
      cosineRange: [0.7, 0.99],
    });
    const index = await createDedupIndex({
      dimensions,
      approximate: { kind: 'hnsw', M: 16, efConstruction: 100, efSearch: 64 },
    });
    expect(index.approximate).toEqual({ kind: 'hnsw', M: 16, efConstruction: 100, efSearch: 64, seed: 100 });
    let exactDuplicates = 0;
    let caught = 0;
    for (let i = 0; i < count; i++) {
      // Ground truth against exactly what the index holds when vector i arrives.
      const stored = index.vectors();
      let exact = false;
      for (let id = 0; id < index.size && !exact; id++) exact = dot(data, i, stored, id) > 0.8;
      const result = await index.addIfNovel(data.subarray(i * dimensions, (i + 1) * dimensions));
      if (exact) exactDuplicates++;
      if (exact && !result.kept[0]) caught++;
      // A rejection is always a real pair above the threshold (the graph returns true distances).
      if (!result.kept[0]) expect(result.similarity[0]).toBeGreaterThan(0.8);
    }
    expect(exactDuplicates).toBeGreaterThan(500);
    expect(caught / exactDuplicates).toBeGreaterThanOrEqual(0.99);
  });

  it('checks within a batch exactly and agrees with the exact index on batches', async () => {
    const count = 2000;
    const { data } = clusteredUnitVectors({ count, dimensions, seed: 52, cosineRange: [0.6, 0.99] });
    const approximate = await createDedupIndex({ dimensions, approximate: { kind: 'hnsw', efSearch: 128 } });
    const exact = await createDedupIndex({ dimensions });
    let agree = 0;
    for (let offset = 0; offset < count; offset += 250) {
      const batch = data.subarray(offset * dimensions, (offset + 250) * dimensions);
      const a = await approximate.addIfNovel(batch);
      const e = await exact.addIfNovel(batch);
      if (offset === 0) expect(a).toEqual(e); // empty graph: the whole first batch is checked exactly
      agree += a.kept.filter((kept, i) => kept === e.kept[i]).length;
    }
    expect(agree / count).toBeGreaterThanOrEqual(0.995);
    expect(approximate.size).toBeGreaterThan(count * 0.6);
  });

  it('finds nearest neighbors close to the exact ones and can scan exactly on request', async () => {
    const { data } = clusteredUnitVectors({ count: 2000, dimensions, seed: 53 });
    const index = await createDedupIndex({ dimensions, approximate: { kind: 'hnsw' } });
    index.add(data);
    const { data: queries } = clusteredUnitVectors({ count: 50, dimensions, seed: 54 });
    let hits = 0;
    for (let q = 0; q < 50; q++) {
      const query = queries.subarray(q * dimensions, (q + 1) * dimensions);
      const exact = index.nearest(query, 10, { exact: true });
      const approximate = index.nearest(query, 10);
      expect(approximate).toHaveLength(10);
      for (let i = 1; i < 10; i++)
        expect(approximate[i - 1]!.similarity).toBeGreaterThanOrEqual(approximate[i]!.similarity);
      const truth = new Set(exact.map((neighbor) => neighbor.id));
      hits += approximate.filter((neighbor) => truth.has(neighbor.id)).length;
      const first = approximate[0]!;
      expect(first.similarity).toBeCloseTo(dot(queries, q, data, first.id), 5);
    }
    expect(hits / 500).toBeGreaterThanOrEqual(0.95);
    expect(index.nearest(queries.subarray(0, dimensions), 5000)).toHaveLength(2000);
  });

  it('saves the graph beside the index, loads it, and rebuilds it when missing', async () => {
    const { data } = clusteredUnitVectors({ count: 1500, dimensions, seed: 55 });
    const index = await createDedupIndex({ dimensions, approximate: { kind: 'hnsw', M: 12, efSearch: 80 } });
    await index.addIfNovel(data.subarray(0, 1000 * dimensions));
    const path = join(directory, 'graph.tkdedup');
    await index.save(path);
    expect((await stat(`${path}.hnsw`)).size).toBeGreaterThan(1000 * dimensions * 4);
    const loaded = await DedupIndex.load(path);
    expect(loaded.approximate).toEqual(index.approximate);
    expect(loaded.vectors()).toEqual(index.vectors());
    const rest = data.subarray(1000 * dimensions);
    expect(await loaded.addIfNovel(rest)).toEqual(await index.addIfNovel(rest));

    await index.save(path);
    await rm(`${path}.hnsw`);
    const rebuilt = await DedupIndex.load(path);
    expect(rebuilt.size).toBe(index.size);
    const query = data.subarray(0, dimensions);
    expect(rebuilt.nearest(query, 1)[0]!.id).toBe(index.nearest(query, 1)[0]!.id);
  });

  it('validates its options', async () => {
    const bad = [
      { kind: 'ivf' },
      { kind: 'hnsw', M: 1 },
      { kind: 'hnsw', efSearch: 0 },
      { kind: 'hnsw', efConstruction: 1.5 },
    ] as never[];
    for (const approximate of bad) {
      const error = await createDedupIndex({ dimensions, approximate }).catch((caught: unknown) => caught);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
    }
  });
});
