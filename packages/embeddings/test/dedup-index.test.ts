import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, InvalidArgumentError, TonekitError } from '@tonekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDedupIndex, DedupIndex } from '../src/dedup/index.js';
import { clusteredUnitVectors, createGaussian, createRandom } from '../src/dedup/synthetic-vectors.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tonekit-dedup-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A unit vector `x·e0 + sqrt(1 − x²)·e1` in `dimensions` dimensions (x a float32 value). */
function planar(x: number, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  vector[0] = x;
  vector[1] = Math.sqrt(1 - Math.fround(x) ** 2);
  return vector;
}

function unit(dimensions: number, axis: number): Float32Array {
  const vector = new Float32Array(dimensions);
  vector[axis] = 1;
  return vector;
}

function row(data: Float32Array, i: number, dimensions: number): Float32Array {
  return data.slice(i * dimensions, (i + 1) * dimensions);
}

/** Float64 dot product in dimension order: the reference every kernel must match. */
function dot(a: Float32Array, aRow: number, b: Float32Array, bRow: number, dimensions: number): number {
  let sum = 0;
  for (let d = 0; d < dimensions; d++) sum += a[aRow * dimensions + d]! * b[bRow * dimensions + d]!;
  return sum;
}

/** The naive definition: each vector against every kept one in id order, first match > threshold rejects. */
function referenceDedup(data: Float32Array, count: number, dimensions: number, threshold: number) {
  const keptRows: number[] = [];
  const duplicateOf: (number | null)[] = [];
  const similarity: number[] = [];
  const best: number[] = [];
  for (let i = 0; i < count; i++) {
    let hit: number | null = null;
    let hitSimilarity = Number.NaN;
    let max = Number.NEGATIVE_INFINITY;
    for (let id = 0; id < keptRows.length; id++) {
      const s = dot(data, i, data, keptRows[id]!, dimensions);
      if (s > max) max = s;
      if (s > threshold && hit === null) {
        hit = id;
        hitSimilarity = s;
      }
    }
    duplicateOf.push(hit);
    similarity.push(hitSimilarity);
    best.push(max);
    if (hit === null) keptRows.push(i);
  }
  return { keptRows, duplicateOf, similarity, best };
}

describe('addIfNovel semantics', () => {
  it('keeps a cosine equal to the threshold and rejects one just above (strict >)', async () => {
    for (const dimensions of [4, 768]) {
      const index = await createDedupIndex({ dimensions, threshold: 0.75 });
      index.add([unit(dimensions, 0)]);
      // 0.75 is exact in float32 and float64: the similarity equals the threshold exactly.
      const equal = await index.addIfNovel([planar(0.75, dimensions)]);
      expect(equal.kept).toEqual([true]);
      expect(equal.similarity).toEqual([0.75]);
      const above = await index.addIfNovel([planar(0.75 + 2 ** -24, dimensions)]);
      expect(above.kept).toEqual([false]);
      expect(above.duplicateOf).toEqual([0]);
    }
  });

  it('compares the float32 values as stored against the default 0.8', async () => {
    const index = await createDedupIndex({ dimensions: 768 });
    expect(index.threshold).toBe(0.8);
    index.add([unit(768, 0)]);
    // 0.8 is not a float32: Math.fround(0.8) = 0.800000011920929 > 0.8 rejects, the float32 below keeps.
    expect((await index.addIfNovel([planar(Math.fround(0.8), 768)])).kept).toEqual([false]);
    const below = Math.fround(0.8) - 2 ** -24;
    const result = await index.addIfNovel([planar(below, 768)]);
    expect(result.kept).toEqual([true]);
    expect(result.similarity[0]).toBe(below);
  });

  it('checks each vector against earlier kept vectors of the same batch, in order', async () => {
    const dimensions = 32;
    const index = await createDedupIndex({ dimensions });
    const a = unit(dimensions, 0);
    // b: cos(a, b) = 0.85 → rejected. c: cos(b, c) = 0.85 but cos(a, c) ≈ 0.45 → kept, since b was not kept.
    const b = new Float32Array(dimensions);
    b[0] = 0.85;
    b[1] = Math.sqrt(1 - 0.85 ** 2);
    const angle = 2 * Math.acos(0.85);
    const c = new Float32Array(dimensions);
    c[0] = Math.cos(angle);
    c[1] = Math.sin(angle);
    const d = unit(dimensions, 2);
    const result = await index.addIfNovel([a, b, c, d, a]);
    expect(result.kept).toEqual([true, false, true, true, false]);
    expect(result.ids).toEqual([0, null, 1, 2, null]);
    expect(result.duplicateOf).toEqual([null, 0, null, null, 0]);
    expect(result.similarity[1]).toBeCloseTo(0.85, 6);
    expect(result.similarity[4]).toBe(1);
    expect(index.size).toBe(3);
  });

  it('reports the lowest matching id as duplicateOf', async () => {
    const dimensions = 8;
    const index = await createDedupIndex({ dimensions });
    const base = unit(dimensions, 0);
    index.add([planar(0.9, dimensions), base, base]);
    // Similar to ids 0 (0.9), 1 and 2 (1.0): the lowest id wins, not the most similar.
    const result = await index.addIfNovel([base]);
    expect(result.duplicateOf).toEqual([0]);
    expect(result.similarity[0]).toBeCloseTo(0.9, 6);
  });

  it('matches the naive definition on clustered 768-d data, for any batch split', async () => {
    const dimensions = 768;
    const count = 1600;
    const { data } = clusteredUnitVectors({ count, dimensions, seed: 7, cosineRange: [0.6, 0.98] });
    const reference = referenceDedup(data, count, dimensions, 0.8);
    expect(reference.keptRows.length).toBeGreaterThan(count * 0.6);
    expect(reference.keptRows.length).toBeLessThan(count * 0.95);
    for (const batchSizes of [[count], [1, 7, 64, 65, 130, 500], [3, 1000, 1]]) {
      const index = await createDedupIndex({ dimensions, initialCapacity: 16 });
      let offset = 0;
      let turn = 0;
      while (offset < count) {
        const size = Math.min(batchSizes[turn++ % batchSizes.length]!, count - offset);
        const batch = data.subarray(offset * dimensions, (offset + size) * dimensions);
        const result = await index.addIfNovel(batch);
        for (let i = 0; i < size; i++) {
          const expected = reference.duplicateOf[offset + i]!;
          expect(result.duplicateOf[i]).toBe(expected);
          expect(result.kept[i]).toBe(expected === null);
          if (expected !== null) expect(result.similarity[i]).toBe(reference.similarity[offset + i]);
          else {
            const best = reference.best[offset + i]!;
            expect(result.similarity[i]).toBe(best >= 0.75 ? best : null);
          }
        }
        offset += size;
      }
      expect(index.size).toBe(reference.keptRows.length);
      for (const id of [0, 1, reference.keptRows.length - 1]) {
        expect(index.vector(id)).toEqual(row(data, reference.keptRows[id]!, dimensions));
      }
    }
  });

  it('accepts an array of vectors and a flat Float32Array alike', async () => {
    const dimensions = 48;
    const { data } = clusteredUnitVectors({ count: 300, dimensions, seed: 3, cosineRange: [0.7, 0.99] });
    const flat = await createDedupIndex({ dimensions });
    const split = await createDedupIndex({ dimensions });
    const vectors = Array.from({ length: 300 }, (_, i) => row(data, i, dimensions));
    expect(await split.addIfNovel(vectors)).toEqual(await flat.addIfNovel(data));
    expect(await flat.addIfNovel([])).toEqual({ kept: [], ids: [], duplicateOf: [], similarity: [] });
  });

  it('adds unconditionally with add() and grows its capacity', async () => {
    const dimensions = 24;
    const { data } = clusteredUnitVectors({ count: 1000, dimensions, seed: 5 });
    const index = await createDedupIndex({ dimensions, initialCapacity: 1 });
    const ids = [
      ...index.add(data.subarray(0, 10 * dimensions)),
      ...index.add(data.subarray(10 * dimensions)),
    ];
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(index.size).toBe(1000);
    expect(index.vectors()).toEqual(data);
    expect(index.vector(999)).toEqual(row(data, 999, dimensions));
    // Everything is stored, so every vector is now a duplicate of itself or of an earlier one.
    expect((await index.addIfNovel(data)).kept.every((kept) => !kept)).toBe(true);
  });
});

describe('nearest', () => {
  it('matches brute force to 1e-6, most similar first', async () => {
    const dimensions = 96;
    const { data } = clusteredUnitVectors({ count: 1203, dimensions, seed: 11 });
    const index = await createDedupIndex({ dimensions, initialCapacity: 8 });
    index.add(data);
    const { data: queries } = clusteredUnitVectors({ count: 20, dimensions, seed: 12 });
    for (let q = 0; q < 20; q++) {
      const query = row(queries, q, dimensions);
      const expected = Array.from({ length: 1203 }, (_, id) => ({
        id,
        similarity: dot(queries, q, data, id, dimensions),
      }))
        .sort((a, b) => b.similarity - a.similarity || a.id - b.id)
        .slice(0, 10);
      const found = index.nearest(query, 10);
      expect(found.map((neighbor) => neighbor.id)).toEqual(expected.map((neighbor) => neighbor.id));
      for (let i = 0; i < 10; i++) {
        expect(Math.abs(found[i]!.similarity - expected[i]!.similarity)).toBeLessThan(1e-6);
      }
    }
    expect(index.nearest(row(data, 5, dimensions), 1)[0]).toEqual({
      id: 5,
      similarity: expect.closeTo(1, 6),
    });
  });

  it('returns at most size results and breaks ties by lower id', async () => {
    const index = await createDedupIndex({ dimensions: 4 });
    expect(index.nearest(unit(4, 0), 3)).toEqual([]);
    index.add([unit(4, 1), unit(4, 0), unit(4, 1)]);
    expect(index.nearest(unit(4, 1), 10)).toEqual([
      { id: 0, similarity: 1 },
      { id: 2, similarity: 1 },
      { id: 1, similarity: 0 },
    ]);
  });
});

describe('input validation', () => {
  it('rejects vectors of the wrong dimension with InvalidArgumentError', async () => {
    const index = await createDedupIndex({ dimensions: 8 });
    const attempts = [
      () => index.addIfNovel(new Float32Array(12)),
      () => index.addIfNovel([unit(8, 0), unit(7, 0)]),
      () => index.add([unit(9, 0)]),
      () => index.nearest(unit(4, 0), 1),
      () => index.nearest(new Float32Array(16), 1),
    ];
    for (const attempt of attempts) {
      const error = await (async () => {
        try {
          await attempt();
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
    }
    await expect(index.addIfNovel([unit(8, 0), unit(7, 0)])).rejects.toThrow(
      /vectors\[1\].*expected 8 dimensions, got 7/,
    );
    expect(index.size).toBe(0);
  });

  it('rejects non-unit vectors unless normalize is on, and never mutates the input', async () => {
    const strict = await createDedupIndex({ dimensions: 3 });
    const long = new Float32Array([3, 4, 0]);
    await expect(strict.addIfNovel([long])).rejects.toThrow(/unit-length.*norm 5.*normalize: true/);
    await expect(strict.addIfNovel([new Float32Array([Number.NaN, 0, 1])])).rejects.toThrow(/NaN/);
    const lenient = await createDedupIndex({ dimensions: 3, normalize: true });
    expect((await lenient.addIfNovel(long)).kept).toEqual([true]);
    expect(long).toEqual(new Float32Array([3, 4, 0]));
    expect(lenient.vector(0)).toEqual(new Float32Array([0.6, 0.8, 0]));
    expect((await lenient.addIfNovel([new Float32Array([6, 8, 0.1])])).kept).toEqual([false]);
    expect(() => lenient.add([new Float32Array(3)])).toThrow(/zero vector/);
  });

  it('validates options', async () => {
    await expect(createDedupIndex({ dimensions: 0 })).rejects.toThrow(/`dimensions`/);
    await expect(createDedupIndex({ dimensions: 8, threshold: 2 })).rejects.toThrow(/`threshold`/);
    await expect(createDedupIndex({ dimensions: 8, initialCapacity: 0 })).rejects.toThrow(
      /`initialCapacity`/,
    );
    const index = await createDedupIndex({ dimensions: 8 });
    expect(() => index.nearest(unit(8, 0), 0)).toThrow(/`k`/);
    expect(() => index.vector(0)).toThrow(/`id`/);
  });
});

describe('nearThresholdPairs', () => {
  it('samples decisions within the margin, bounded by the audit limit', async () => {
    const dimensions = 64;
    const count = 3000;
    const { data } = clusteredUnitVectors({ count, dimensions, seed: 21, duplicateShare: 0.5 });
    const index = await createDedupIndex({ dimensions, audit: { limit: 50 } });
    const result = await index.addIfNovel(data);
    const near = result.similarity.filter((s) => s !== null && Math.abs(s - 0.8) <= 0.05).length;
    const report = index.nearThresholdPairs();
    expect(report.threshold).toBe(0.8);
    expect(report.margin).toBe(0.05);
    expect(report.seen).toBe(near);
    expect(near).toBeGreaterThan(50);
    expect(report.pairs).toHaveLength(50);
    for (const pair of report.pairs) {
      expect(Math.abs(pair.similarity - 0.8)).toBeLessThanOrEqual(0.05);
      expect(pair.kept).toBe(result.kept[pair.sequence]);
      expect(pair.similarity).toBe(result.similarity[pair.sequence]);
      expect(pair.id).toBe(result.ids[pair.sequence]);
      if (!pair.kept) expect(pair.neighborId).toBe(result.duplicateOf[pair.sequence]);
    }
    const narrow = index.nearThresholdPairs({ margin: 0.01 });
    expect(narrow.pairs.every((pair) => Math.abs(pair.similarity - 0.8) <= 0.01)).toBe(true);
    expect(() => index.nearThresholdPairs({ margin: 0.1 })).toThrow(/audit\.margin/);
  });
});

describe('save and load', () => {
  it('round-trips vectors, settings and audit state, and continues identically', async () => {
    const dimensions = 40;
    const { data } = clusteredUnitVectors({ count: 2000, dimensions, seed: 31 });
    const first = data.subarray(0, 1000 * dimensions);
    const second = data.subarray(1000 * dimensions);
    const uninterrupted = await createDedupIndex({
      dimensions,
      threshold: 0.78,
      audit: { margin: 0.04, limit: 20 },
    });
    await uninterrupted.addIfNovel(first);
    const path = join(directory, 'round-trip.tkdedup');
    await uninterrupted.save(path);
    const loaded = await DedupIndex.load(path);
    const savedSize = uninterrupted.size;
    expect(loaded.size).toBe(savedSize);
    expect(loaded.threshold).toBe(0.78);
    expect(loaded.dimensions).toBe(dimensions);
    expect(loaded.approximate).toBeNull();
    expect(loaded.vectors()).toEqual(uninterrupted.vectors());
    expect(loaded.nearThresholdPairs()).toEqual(uninterrupted.nearThresholdPairs());
    expect(await loaded.addIfNovel(second)).toEqual(await uninterrupted.addIfNovel(second));
    expect(loaded.nearThresholdPairs()).toEqual(uninterrupted.nearThresholdPairs());
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const bytes = await readFile(path);
    const headerLength = bytes.readUInt32LE(8);
    expect((12 + headerLength) % 64).toBe(0);
    const header = JSON.parse(bytes.subarray(12, 12 + headerLength).toString('utf8'));
    expect(header).toMatchObject({ format: 'tonekit-dedup-index', version: 1, dimensions, size: savedSize });
  });

  it('stops with CancelledError when aborted, leaving no file behind', async () => {
    const index = await createDedupIndex({ dimensions: 4 });
    index.add([unit(4, 0)]);
    const path = join(directory, 'aborted.tkdedup');
    const abortSignal = AbortSignal.abort(new Error('user pressed Ctrl-C'));
    const saved = await index.save(path, { abortSignal }).catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(saved)).toBe(true);
    expect((await readdir(directory)).filter((name) => name.startsWith('aborted'))).toEqual([]);
    await index.save(path);
    const loaded = await DedupIndex.load(path, { abortSignal }).catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(loaded)).toBe(true);
  });

  it('saves and loads an empty index', async () => {
    const path = join(directory, 'empty.tkdedup');
    await (await createDedupIndex({ dimensions: 5 })).save(path);
    const loaded = await DedupIndex.load(path);
    expect(loaded.size).toBe(0);
    expect((await loaded.addIfNovel([unit(5, 0)])).kept).toEqual([true]);
  });

  it('rejects missing, foreign, truncated and corrupted files with clear errors', async () => {
    const dimensions = 16;
    const { data } = clusteredUnitVectors({ count: 50, dimensions, seed: 41 });
    const index = await createDedupIndex({ dimensions });
    index.add(data);
    const path = join(directory, 'good.tkdedup');
    await index.save(path);
    const good = await readFile(path);
    const headerLength = good.readUInt32LE(8);
    const header = good.subarray(12, 12 + headerLength).toString('utf8');

    const cases: [string, Buffer, RegExp][] = [
      ['foreign', Buffer.from('PAR1 this is not an index at all'), /wrong magic bytes/],
      ['short', good.subarray(0, 5), /too short/],
      ['truncated-header', good.subarray(0, 40), /truncated/],
      ['truncated-data', good.subarray(0, good.length - 4), /expected \d+ bytes .* found \d+/],
      ['trailing', Buffer.concat([good, Buffer.from([0])]), /trailing/],
      ['flipped', Buffer.from(good).fill(0x7f, good.length - 3, good.length - 2), /CRC-32.*corrupted/],
      ['json', Buffer.from(good).fill(0x7b, 12, 13).fill(0x7b, 13, 14), /does not parse/],
      [
        'version',
        Buffer.concat([
          good.subarray(0, 12),
          Buffer.from(header.replace('"version":1', '"version":9')),
          good.subarray(12 + headerLength),
        ]),
        /version 9 is not supported/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const corruptPath = join(directory, `${name}.tkdedup`);
      await writeFile(corruptPath, bytes);
      const error = await DedupIndex.load(corruptPath).catch((caught: unknown) => caught);
      expect(InvalidArgumentError.isInstance(error), name).toBe(true);
      expect(String((error as Error).message), name).toMatch(message);
    }
    const missing = await DedupIndex.load(join(directory, 'nope.tkdedup')).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(missing)).toBe(true);
    expect((missing as Error).message).toMatch(/ENOENT/);
    expect((await DedupIndex.load(path)).vectors()).toEqual(data);
  });
});

describe('dispose', () => {
  it('releases the index; later calls fail clearly', async () => {
    const index = await createDedupIndex({ dimensions: 4 });
    index.add([unit(4, 0)]);
    await index[Symbol.asyncDispose]();
    index.dispose();
    await expect(index.addIfNovel([unit(4, 1)])).rejects.toThrow(/disposed/);
    const error = (() => {
      try {
        index.nearest(unit(4, 0), 1);
      } catch (caught) {
        return caught;
      }
    })();
    expect(TonekitError.isInstance(error)).toBe(true);
  });

  it('works with await using', async () => {
    let escaped: DedupIndex | undefined;
    {
      await using index = await createDedupIndex({ dimensions: 4 });
      escaped = index;
      index.add([unit(4, 3)]);
    }
    expect(() => escaped?.vectors()).toThrow(/disposed/);
  });
});

describe('synthetic data', () => {
  it('makes near-duplicates with the requested cosine', () => {
    const dimensions = 256;
    const { data, sourceOf } = clusteredUnitVectors({
      count: 400,
      dimensions,
      seed: 2,
      cosineRange: [0.7, 0.95],
    });
    let duplicates = 0;
    for (let i = 0; i < 400; i++) {
      const source = sourceOf[i]!;
      if (source < 0) continue;
      duplicates++;
      const cosine = dot(data, i, data, source, dimensions);
      expect(cosine).toBeGreaterThan(0.7 - 1e-5);
      expect(cosine).toBeLessThan(0.95 + 1e-5);
    }
    expect(duplicates).toBeGreaterThan(60);
    const shifted = clusteredUnitVectors({
      count: 200,
      dimensions,
      seed: 3,
      duplicateShare: 0,
      baselineCosine: 0.5,
    });
    let sum = 0;
    for (let i = 1; i < 200; i++) sum += dot(shifted.data, i, shifted.data, i - 1, dimensions);
    expect(sum / 199).toBeCloseTo(0.5, 1);
    const gaussian = createGaussian(createRandom(1));
    expect(Number.isFinite(gaussian())).toBe(true);
  });
});
