import { TonekitError } from '@tonekit/core';
import type { HierarchicalNSW } from 'hnswlib-node';

/** Settings of the approximate (HNSW) mode; names follow the HNSW paper and hnswlib. */
export interface HnswOptions {
  kind: 'hnsw';
  /** Links per node and layer (hnswlib `M`). Default 16. */
  M?: number;
  /** Candidate list size while inserting. Default 200. */
  efConstruction?: number;
  /** Candidate list size while searching; raised to k for larger `nearest` queries. Default 64. */
  efSearch?: number;
  /** Seed of the level generator, so a build is reproducible. Default 100 (hnswlib's). */
  seed?: number;
}

export type ResolvedHnswOptions = Required<HnswOptions>;

export function resolveHnswOptions(options: HnswOptions): ResolvedHnswOptions {
  return {
    kind: 'hnsw',
    M: options.M ?? 16,
    efConstruction: options.efConstruction ?? 200,
    efSearch: options.efSearch ?? 64,
    seed: options.seed ?? 100,
  };
}

type HnswlibModule = typeof import('hnswlib-node');

let hnswlib: Promise<HnswlibModule> | undefined;

/**
 * Loads the native addon on first use only, so the exact index (and anything that imports this package
 * without asking for HNSW) never loads a native binary.
 */
function loadHnswlib(): Promise<HnswlibModule> {
  hnswlib ??= import('hnswlib-node')
    .then((module) => ((module as { default?: HnswlibModule }).default ?? module) as HnswlibModule)
    .catch((error: unknown) => {
      hnswlib = undefined;
      throw new TonekitError({
        message:
          'The approximate dedup index needs the native addon of `hnswlib-node`, which failed to load. ' +
          'Reinstall it (it builds from source with node-gyp and a C++ compiler) or use the exact index.',
        cause: error,
      });
    });
  return hnswlib;
}

/**
 * A growable inner-product HNSW graph over unit vectors, labelled with the dedup index's ids. Similarity =
 * 1 − hnswlib's inner-product distance, computed in float32 by hnswlib.
 */
export class HnswGraph {
  readonly #index: HierarchicalNSW;
  readonly #options: ResolvedHnswOptions;
  readonly #point: number[];
  #capacity: number;

  private constructor(
    index: HierarchicalNSW,
    options: ResolvedHnswOptions,
    dimensions: number,
    capacity: number,
  ) {
    this.#index = index;
    this.#options = options;
    this.#point = new Array<number>(dimensions).fill(0);
    this.#capacity = capacity;
    index.setEf(options.efSearch);
  }

  static async create(
    dimensions: number,
    options: ResolvedHnswOptions,
    capacity: number,
  ): Promise<HnswGraph> {
    const { HierarchicalNSW } = await loadHnswlib();
    const index = new HierarchicalNSW('ip', dimensions);
    index.initIndex({
      maxElements: capacity,
      m: options.M,
      efConstruction: options.efConstruction,
      randomSeed: options.seed,
    });
    return new HnswGraph(index, options, dimensions, capacity);
  }

  /** Reads a graph written by `write`; the caller checks that its count matches. */
  static async read(path: string, dimensions: number, options: ResolvedHnswOptions): Promise<HnswGraph> {
    const { HierarchicalNSW } = await loadHnswlib();
    const index = new HierarchicalNSW('ip', dimensions);
    await index.readIndex(path);
    return new HnswGraph(index, options, dimensions, index.getMaxElements());
  }

  get count(): number {
    return this.#index.getCurrentCount();
  }

  /** Inserts vector `row` of `data` with label `id`; ids must be consecutive from 0. */
  add(data: Float32Array, row: number, id: number): void {
    if (id >= this.#capacity) {
      // Doubling keeps resizes rare; hnswlib copies its level-0 block on each one.
      this.#capacity = Math.max(2 * this.#capacity, id + 1);
      this.#index.resizeIndex(this.#capacity);
    }
    this.#index.addPoint(this.#toPoint(data, row), id);
  }

  /** The approximate nearest stored vectors, best first. */
  search(data: Float32Array, row: number, k: number): { ids: number[]; similarities: number[] } {
    const count = this.count;
    if (count === 0 || k <= 0) return { ids: [], similarities: [] };
    const limit = Math.min(k, count);
    const ef = this.#options.efSearch;
    if (limit > ef) this.#index.setEf(limit);
    try {
      const { neighbors, distances } = this.#index.searchKnn(this.#toPoint(data, row), limit);
      return { ids: neighbors, similarities: distances.map((distance) => 1 - distance) };
    } finally {
      if (limit > ef) this.#index.setEf(ef);
    }
  }

  async write(path: string): Promise<void> {
    await this.#index.writeIndex(path);
  }

  // hnswlib-node accepts plain arrays only; one reused array keeps the conversion allocation-free.
  #toPoint(data: Float32Array, row: number): number[] {
    const point = this.#point;
    const offset = row * point.length;
    for (let d = 0; d < point.length; d++) point[d] = data[offset + d]!;
    return point;
  }
}
