import { similarityGemmModel } from './similarity-gemm-model.js';

type Ort = typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/** Row-major float32 matrices multiplied as queries · keysᵀ by onnxruntime. */
export interface GemmScorer {
  /**
   * scores[q · keyCount + k] = dot(queries row q, keys row k), both rows `dimensions` long. `keys` may be
   * a view into a larger buffer; only its first `keyCount` rows are read.
   */
  scores(
    queries: Float32Array,
    queryCount: number,
    keys: Float32Array,
    keyCount: number,
    dimensions: number,
  ): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Loads onnxruntime lazily (a native addon) and prepares the Gemm session. */
export async function createGemmScorer({ threads }: { threads?: number } = {}): Promise<GemmScorer> {
  const ort: Ort = await import('onnxruntime-node');
  const session: Session = await ort.InferenceSession.create(similarityGemmModel(), {
    intraOpNumThreads: threads ?? 0,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  return {
    async scores(queries, queryCount, keys, keyCount, dimensions) {
      const q = new ort.Tensor('float32', queries.subarray(0, queryCount * dimensions), [
        queryCount,
        dimensions,
      ]);
      const k = new ort.Tensor('float32', keys.subarray(0, keyCount * dimensions), [keyCount, dimensions]);
      const output = await session.run({ q, k });
      return (output['scores'] as InstanceType<Ort['Tensor']>).data as Float32Array;
    },
    async dispose() {
      await session.release();
    },
  };
}
