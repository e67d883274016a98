import { rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type RunManifest, readPackageIdentity } from '@tonekit/core';
import { makeUtf8Vector, writeParquet } from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import type { ResponsePair, ScoredResponses } from './score-responses.js';

export interface WriteEvaluationOutputsOptions {
  outputDir: string;
  pairs: readonly ResponsePair[];
  scored: ScoredResponses;
  /** More per-pair columns for `responses.parquet` (strings or numbers, in the order of `pairs`). */
  extraColumns?: Record<string, readonly string[] | readonly number[]>;
  manifest: Pick<RunManifest, 'command' | 'startedAt' | 'config' | 'seeds' | 'counts' | 'usage'>;
}

export interface EvaluationOutputs {
  metricsPath: string;
  responsesPath: string;
  runPath: string;
}

/**
 * Writes a scored run: `responses.parquet` (one row per pair with its per-pair scores), `metrics.json`
 * (the report's input) and `run.json`. Each file is written to a temporary name and renamed, so a
 * reader never sees half a file.
 */
export async function writeEvaluationOutputs(
  options: WriteEvaluationOutputsOptions,
): Promise<EvaluationOutputs> {
  const { outputDir, pairs, scored } = options;
  const columns: Record<string, arrow.Vector> = {
    id: makeUtf8Vector(pairs.map((pair) => pair.id)),
    question: makeUtf8Vector(pairs.map((pair) => pair.question ?? null)),
    reference: makeUtf8Vector(pairs.map((pair) => pair.reference)),
    response: makeUtf8Vector(pairs.map((pair) => pair.response)),
  };
  const numeric = (values: readonly number[] | undefined) =>
    values === undefined ? undefined : arrow.makeVector(Float64Array.from(values));
  const perPair = {
    flesch: numeric(scored.perPair.flesch),
    similarity: numeric(scored.perPair.similarity),
    bert_score_f1: numeric(scored.perPair.bertScoreF1),
    word_count: numeric(scored.perPair.wordCount),
  };
  for (const [name, vector] of Object.entries(perPair)) if (vector !== undefined) columns[name] = vector;
  for (const [name, values] of Object.entries(options.extraColumns ?? {})) {
    columns[name] =
      typeof values[0] === 'number'
        ? arrow.makeVector(Float64Array.from(values as readonly number[]))
        : makeUtf8Vector(values as readonly string[]);
  }
  const responsesPath = path.join(outputDir, 'responses.parquet');
  await writeParquet(responsesPath, new arrow.Table(columns));

  const metricsPath = path.join(outputDir, 'metrics.json');
  await writeJsonAtomically(metricsPath, scored.metrics);
  const runPath = path.join(outputDir, 'run.json');
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId: path.basename(path.resolve(outputDir)),
    status: 'succeeded',
    finishedAt: new Date().toISOString(),
    packages: await readPackageIdentity(new URL('../../package.json', import.meta.url)),
    runtime: { node: process.versions.node },
    inputs: [],
    ...options.manifest,
  };
  await writeJsonAtomically(runPath, manifest);
  return { metricsPath, responsesPath, runPath };
}

async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, file);
}
