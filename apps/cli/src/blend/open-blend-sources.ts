import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { LogitSource } from '@tonekit/core';
import { createLlamaCppLogitSource, createOnnxLogitSource } from '@tonekit/inference';
import { createWorkerLogitSources } from '@tonekit/trainer';
import { CliError } from '../cli-error.js';

export const BLEND_BACKENDS = ['llama-cpp', 'onnx', 'worker'] as const;
export type BlendBackend = (typeof BLEND_BACKENDS)[number];

/** `path` or `path=weight`, as `--model` and `--lora` take them. */
export interface WeightedPath {
  path: string;
  weight: number | undefined;
}

export interface BlendSourceFlags {
  backend: BlendBackend;
  models: WeightedPath[];
  loras: WeightedPath[];
  threads?: number;
  contextSize?: number;
  gpu?: 'auto' | 'cpu';
  python?: string;
  precision?: 'fp32' | 'bf16';
}

export interface OpenedBlendSources {
  sources: LogitSource[];
  /** One per source; `undefined` where the flag gave none (the caller decides: equal weights or --alpha). */
  weights: (number | undefined)[];
  /** Short names for attribution output: file names without extension. */
  names: string[];
  dispose(): Promise<void>;
}

/** Splits `file=0.25` into its path and weight; a path that itself contains `=` keeps it when the tail is not a number. */
export function parseWeightedPath(value: string): WeightedPath {
  const at = value.lastIndexOf('=');
  if (at > 0) {
    const tail = value.slice(at + 1);
    const weight = Number(tail);
    if (tail.trim() !== '' && Number.isFinite(weight)) return { path: value.slice(0, at), weight };
  }
  return { path: value, weight: undefined };
}

/**
 * Opens the models to blend. Two ways to name them:
 * - `--model a.gguf=0.25 --model b.gguf=0.75`: one source per model;
 * - `--model base.gguf --lora ed.gguf=0.25 --lora wow.gguf=0.75`: one source per adapter on the one
 *   base (which shares its weights between them); the base joins as a source only when it has a weight.
 * With `--backend worker` the base is a Hugging Face model folder and adapters are PEFT folders, all in
 * one Python worker that steps every adapter in one batched forward.
 */
export async function openBlendSources(
  flags: BlendSourceFlags,
  { cwd, signal }: { cwd: string; signal: AbortSignal },
): Promise<OpenedBlendSources> {
  const resolveExisting = (flag: string, entry: WeightedPath): WeightedPath => {
    const resolved = path.resolve(cwd, entry.path);
    if (!existsSync(resolved))
      throw CliError.usage(`${flag} ${entry.path}: no such file or folder (${resolved})`);
    return { path: resolved, weight: entry.weight };
  };
  const models = flags.models.map((entry) => resolveExisting('--model', entry));
  const loras = flags.loras.map((entry) => resolveExisting('--lora', entry));
  if (models.length === 0) throw CliError.usage('tonekit blend needs at least one --model');
  if (loras.length > 0 && models.length !== 1)
    throw CliError.usage('--lora blends adapters of ONE base: give exactly one --model with --lora');
  const base = models[0] as WeightedPath;
  const name = (file: string) => path.basename(file).replace(/\.(gguf|onnx)$/i, '');

  if (flags.backend === 'worker') {
    if (loras.length === 0)
      throw CliError.usage(
        '--backend worker blends LoRA adapters of one base: add --lora <peft-adapter-folder>=<weight>',
      );
    const opened = await createWorkerLogitSources({
      model: base.path,
      adapters: loras.map((lora, index) => ({ name: `${index}-${name(lora.path)}`, path: lora.path })),
      includeBase: base.weight !== undefined,
      signal,
      ...(flags.python === undefined ? {} : { python: flags.python }),
      ...(flags.precision === undefined ? {} : { precision: flags.precision }),
      ...(flags.gpu === 'cpu' ? { device: 'cpu' as const } : {}),
    });
    return {
      sources: opened.sources,
      weights: [...loras.map((lora) => lora.weight), ...(base.weight === undefined ? [] : [base.weight])],
      names: [
        ...loras.map((lora) => name(lora.path)),
        ...(base.weight === undefined ? [] : [name(base.path)]),
      ],
      dispose: () => opened.dispose(),
    };
  }

  const opened: (LogitSource & { dispose(): Promise<void> })[] = [];
  const disposeAll = async () => {
    await Promise.allSettled(opened.map((source) => source.dispose()));
  };
  const llamaOptions = {
    gpu: flags.gpu === 'cpu' ? ('cpu' as const) : ('auto' as const),
    abortSignal: signal,
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
    ...(flags.contextSize === undefined ? {} : { contextSize: flags.contextSize }),
  };
  // One source per --model; with --lora, one source per adapter on the one base, plus the base
  // itself when it was given a weight.
  const entries: { model: WeightedPath; lora?: WeightedPath; weight: number | undefined; label: string }[] =
    loras.length === 0
      ? models.map((model) => ({ model, weight: model.weight, label: name(model.path) }))
      : [
          ...loras.map((lora) => ({ model: base, lora, weight: lora.weight, label: name(lora.path) })),
          ...(base.weight === undefined
            ? []
            : [{ model: base, weight: base.weight, label: name(base.path) }]),
        ];
  try {
    for (const entry of entries) {
      if (flags.backend === 'onnx') {
        if (entry.lora !== undefined)
          throw CliError.usage('--backend onnx does not take --lora: merge adapters before exporting');
        opened.push(
          await createOnnxLogitSource({
            modelPath: entry.model.path,
            abortSignal: signal,
            ...(flags.threads === undefined ? {} : { threads: flags.threads }),
            ...(flags.contextSize === undefined ? {} : { contextSize: flags.contextSize }),
          }),
        );
      } else {
        opened.push(
          await createLlamaCppLogitSource({
            modelPath: entry.model.path,
            ...llamaOptions,
            modelId: entry.label,
            ...(entry.lora === undefined ? {} : { loraAdapters: [{ path: entry.lora.path }] }),
          }),
        );
      }
    }
  } catch (error) {
    await disposeAll();
    throw error;
  }
  return {
    sources: opened,
    weights: entries.map((entry) => entry.weight),
    names: entries.map((entry) => entry.label),
    dispose: disposeAll,
  };
}
