import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { DatasetFormatError } from '@tonekit/dataset';
import {
  readSweepState,
  type SweepRunState,
  type SweepRunStatus,
  sweepStateFileName,
} from './sweep-state.js';

/**
 * One row of a sweep's results, in seed A Table 6's terms plus the run's training outcome. Fields
 * that are not known are `undefined` (an empty cell), never a made-up value.
 */
export interface SweepResultRow {
  runId: string;
  /**
   * The sweep's `model` label, else the evaluator's `run.model`, else the base model id (a local
   * model folder by its name).
   */
  model: string;
  /** Spelled as Table 6 does: `bfloat16`, `int8`, `float32`. */
  basePrecision?: string;
  loraRank?: number;
  learningRate?: number;
  trainingSamples?: number;
  /** From the run's evaluator metrics.json: % of responses with Flesch >= the threshold (0–100). */
  pctConversational?: number;
  /** From the run's evaluator metrics.json: mean cosine similarity to the reference answers. */
  similarity?: number;
  status: SweepRunStatus;
  steps?: number;
  finalLoss?: number;
  validationLoss?: number;
  /** The metrics.json that was joined, when one was found. */
  metricsPath?: string;
}

const tablePrecision: Record<string, string> = { bf16: 'bfloat16', int8: 'int8', fp32: 'float32' };

/**
 * Reads `<sweepDir>/sweep-state.json` and each run's evaluator `metrics.json` (where the sweep's
 * `evaluation.metricsPath` says) into one row per run, in sweep order. Only the figures Table 6 needs
 * are taken from metrics.json — this package does not depend on @tonekit/evaluator, so the file is
 * read as JSON and the fields used are checked against the evaluator's contract (schemaVersion 1).
 *
 * @throws InvalidArgumentError when `sweepDir` has no sweep state; DatasetFormatError naming the file
 * and field when a metrics.json does not follow the contract (a wrong figure in a results table is
 * worse than no table).
 */
export async function collectSweepResults(sweepDir: string): Promise<SweepResultRow[]> {
  const state = await readSweepState(sweepDir);
  if (state === undefined) {
    throw new InvalidArgumentError({
      argument: 'sweepDir',
      value: sweepDir,
      message: `${sweepDir} has no ${sweepStateFileName}; is it the outputDir of a sweep that has started?`,
    });
  }
  const rows: SweepResultRow[] = [];
  for (const run of state.runs) {
    const runDir = path.resolve(sweepDir, run.outputDir);
    const metricsFile = path.resolve(runDir, state.metricsPath.replaceAll('{id}', run.id));
    const metrics = await readRunMetrics(metricsFile);
    rows.push(resultRow(run, state.model, metrics, metricsFile));
  }
  return rows;
}

function resultRow(
  run: SweepRunState,
  model: string | undefined,
  metrics: PickedMetrics | undefined,
  metricsFile: string,
): SweepResultRow {
  const { configuration, result } = run;
  const local = configuration.backend === 'local';
  const row: SweepResultRow = {
    runId: run.id,
    model: model ?? metrics?.model ?? displayModel(configuration.baseModel),
    status: run.status,
  };
  const precision = local ? tablePrecision[configuration.precision ?? ''] : undefined;
  if (precision !== undefined) row.basePrecision = precision;
  if (local && configuration.rank !== undefined) row.loraRank = configuration.rank;
  if (local && configuration.learningRate !== undefined) row.learningRate = configuration.learningRate;
  const samples = run.trainingSamples ?? metrics?.trainingSamples;
  if (samples !== undefined) row.trainingSamples = samples;
  if (metrics?.pctConversational !== undefined) row.pctConversational = metrics.pctConversational;
  if (metrics?.similarity !== undefined) row.similarity = metrics.similarity;
  if (result !== undefined) {
    row.steps = result.steps;
    if (result.finalLoss !== undefined) row.finalLoss = result.finalLoss;
    if (result.validationLoss !== undefined) row.validationLoss = result.validationLoss;
  }
  if (metrics !== undefined) row.metricsPath = metricsFile;
  return row;
}

/** A local checkpoint folder is named by its last segment; a full path would swamp the table. */
function displayModel(baseModel: string): string {
  return path.isAbsolute(baseModel) ? path.basename(baseModel) : baseModel;
}

interface PickedMetrics {
  model: string;
  trainingSamples?: number;
  pctConversational?: number;
  similarity?: number;
}

async function readRunMetrics(file: string): Promise<PickedMetrics | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // Not evaluated yet: the row keeps empty cells.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetFormatError({
      file,
      message: `${file} is not valid JSON: ${(error as Error).message}`,
      cause: error,
    });
  }
  return pickMetrics(value, file);
}

/** The evaluator's metrics.json contract (schemaVersion 1), checked for the fields a sweep table uses. */
function pickMetrics(value: unknown, file: string): PickedMetrics {
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new DatasetFormatError({
      file,
      message: `${file}: \`${field}\` must be ${expected} (found ${describe(found)}); is it an evaluator metrics.json?`,
    });
  };
  const root = isRecord(value) ? value : fail('the top level', 'an object', value);
  if (root['schemaVersion'] !== 1) fail('schemaVersion', '1', root['schemaVersion']);
  const run = isRecord(root['run']) ? root['run'] : fail('run', 'an object', root['run']);
  const model = run['model'];
  if (typeof model !== 'string' || model.trim() === '') fail('run.model', 'a non-empty string', model);
  const samples = run['trainingSamples'];
  if (samples !== undefined && !(typeof samples === 'number' && Number.isInteger(samples) && samples >= 0)) {
    fail('run.trainingSamples', 'a non-negative integer when present', samples);
  }
  const metrics = isRecord(root['metrics']) ? root['metrics'] : fail('metrics', 'an object', root['metrics']);
  const picked: PickedMetrics = { model: model as string };
  if (samples !== undefined) picked.trainingSamples = samples as number;
  const conversational = aggregate(metrics, 'conversationalPercent', 0, 100, fail);
  if (conversational !== undefined) picked.pctConversational = conversational;
  const similarity = aggregate(metrics, 'similarity', -1, 1, fail);
  if (similarity !== undefined) picked.similarity = similarity;
  return picked;
}

function aggregate(
  metrics: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  fail: (field: string, expected: string, found: unknown) => never,
): number | undefined {
  const entry = metrics[name];
  if (entry === undefined) return undefined;
  if (!isRecord(entry)) return fail(`metrics.${name}`, 'an object `{value, ci?}`', entry);
  const figure = entry['value'];
  if (typeof figure !== 'number' || !Number.isFinite(figure) || figure < min || figure > max) {
    return fail(`metrics.${name}.value`, `a number from ${min} to ${max}`, figure);
  }
  return figure;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
