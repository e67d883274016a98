import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, systemPromptPresets } from '@tonekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultOpenAITrainOptions } from '../src/openai/resolve-openai-train-options.js';
import { defaultLocalTrainOptions, parseTrainSpec, type ResolvedTrainSpec } from '../src/parse-train-spec.js';

const baseDir = '/projects/tone';
const minimal = {
  backend: 'local',
  dataset: { path: 'data/tone' },
  baseModel: 'meta-llama/Llama-3.2-1B-Instruct',
  outputDir: 'runs/r32',
};

/** The InvalidArgumentError a spec is rejected with (fails the test when it is accepted). */
function rejection(value: unknown): InvalidArgumentError {
  try {
    parseTrainSpec(value, { baseDir });
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('the spec was accepted');
}

const withLocal = (local: Record<string, unknown>) => ({ ...minimal, local });

describe('parseTrainSpec defaults', () => {
  it("fills every default with the paper's settings and resolves paths against baseDir", () => {
    const spec = parseTrainSpec(minimal, { baseDir });
    const expected: ResolvedTrainSpec = {
      name: 'r32',
      backend: 'local',
      dataset: { path: '/projects/tone/data/tone', split: 'train', answerColumn: 'conversational_answer' },
      baseModel: 'meta-llama/Llama-3.2-1B-Instruct',
      outputDir: '/projects/tone/runs/r32',
      systemPrompt: 'concise',
      systemPromptText: systemPromptPresets.concise,
      local: {
        rank: 32,
        alpha: 32,
        dropout: 0.2,
        bias: 'lora_only',
        targetModules: ['q_proj', 'k_proj', 'v_proj'],
        learningRate: 2e-4,
        epochs: 5,
        microBatchSize: 16,
        gradientAccumulationSteps: 2,
        schedule: {
          pctStart: 0.3,
          annealStrategy: 'cos',
          divFactor: 25,
          finalDivFactor: 1000,
          baseMomentum: 0.85,
          maxMomentum: 0.95,
        },
        weightDecay: 0,
        precision: 'auto',
        batching: 'length-grouped',
        gradientCheckpointing: false,
        maxLength: 1024,
        seed: 713,
        device: 'auto',
        gpus: 1,
        checkpointEverySteps: null,
        maxSteps: null,
        saveMerged: false,
        exportGguf: true,
      },
      openai: {
        seed: 713,
        batchSize: 32,
        learningRateMultiplier: 1,
        epochs: 5,
        suffix: 'r32',
        pollIntervalMs: 10_000,
        maxRetries: 5,
      },
    };
    expect(spec).toEqual(expected);
    // The exported defaults are the ones applied (alpha: null means "equal to rank").
    expect(defaultLocalTrainOptions.alpha).toBeNull();
    expect(defaultLocalTrainOptions.schedule.finalDivFactor).toBe(1e3);
    expect(defaultOpenAITrainOptions).toEqual({
      seed: 713,
      batchSize: 32,
      learningRateMultiplier: 1,
      epochs: 5,
      pollIntervalMs: 10_000,
      maxRetries: 5,
    });
  });

  it('makes the default OpenAI suffix from the run name with only the characters OpenAI accepts', () => {
    const spec = parseTrainSpec({ ...withLocal({}), name: 'tone run #1 (r32)' }, { baseDir });
    expect(spec.openai.suffix).toBe('tone-run-1-r32-');
  });

  it('ties alpha to rank unless given, and picks the precision from an explicit device', () => {
    expect(parseTrainSpec(withLocal({ rank: 64 }), { baseDir }).local.alpha).toBe(64);
    expect(parseTrainSpec(withLocal({ rank: 64, alpha: 16 }), { baseDir }).local.alpha).toBe(16);
    expect(parseTrainSpec(withLocal({ device: 'cpu' }), { baseDir }).local.precision).toBe('fp32');
    expect(parseTrainSpec(withLocal({ device: 'cuda' }), { baseDir }).local.precision).toBe('bf16');
    expect(
      parseTrainSpec(withLocal({ device: 'cuda', precision: 'int8' }), { baseDir }).local.precision,
    ).toBe('int8');
    expect(
      parseTrainSpec(withLocal({ device: 'auto', precision: 'auto' }), { baseDir }).local.precision,
    ).toBe('auto');
  });

  it('resolves system prompts: preset names, custom text, none', () => {
    const prompt = (systemPrompt: unknown) => parseTrainSpec({ ...minimal, systemPrompt }, { baseDir });
    expect(prompt('verbose').systemPromptText).toBe(systemPromptPresets.verbose);
    expect(prompt('Answer like a pirate.').systemPromptText).toBe('Answer like a pirate.');
    expect(prompt('none')).toMatchObject({ systemPrompt: 'none', systemPromptText: null });
    expect(prompt(null)).toMatchObject({ systemPrompt: 'none', systemPromptText: null });
  });

  it('accepts the dataset shorthand, subsets, and numbers written as strings (YAML 1.1 reads 2e-4 so)', () => {
    const spec = parseTrainSpec(
      {
        ...minimal,
        name: 'subset-run',
        dataset: { path: '/abs/data', split: 'train-1000', validationSplit: null, answerColumn: 'answer' },
        local: { learningRate: '2e-4', rank: '48', checkpointEverySteps: 10, maxSteps: null },
      },
      { baseDir },
    );
    expect(spec.dataset).toEqual({
      path: '/abs/data',
      split: 'train-1000',
      validationSplit: null,
      answerColumn: 'answer',
    });
    expect(spec.local).toMatchObject({ learningRate: 2e-4, rank: 48, alpha: 48, checkpointEverySteps: 10 });
    expect(spec.name).toBe('subset-run');
    expect(parseTrainSpec({ ...minimal, dataset: './d' }, { baseDir }).dataset.path).toBe('/projects/tone/d');
  });

  it('is idempotent: a resolved spec parses to itself', () => {
    const once = parseTrainSpec(
      { ...minimal, systemPrompt: 'none', local: { device: 'cpu', rank: 8 }, openai: { apiKey: 'sk-test' } },
      { baseDir },
    );
    expect(parseTrainSpec(once)).toEqual(once);
    expect(parseTrainSpec(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  describe('base models', () => {
    let root: string;
    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'tonekit-spec-'));
      await mkdir(join(root, 'models', 'tiny'), { recursive: true });
    });
    afterAll(() => rm(root, { recursive: true, force: true }));

    it('keeps Hub ids, resolves folders written as paths or found on disk', () => {
      const model = (baseModel: string, backend = 'local') =>
        parseTrainSpec({ ...minimal, backend, baseModel }, { baseDir: root }).baseModel;
      expect(model('meta-llama/Llama-3.2-1B')).toBe('meta-llama/Llama-3.2-1B');
      expect(model('models/tiny')).toBe(resolve(root, 'models/tiny'));
      expect(model('./not-there')).toBe(resolve(root, 'not-there'));
      expect(model('models/tiny', 'openai')).toBe('models/tiny');
    });
  });
});

describe('parseTrainSpec errors', () => {
  it('names the field, what it expects and what it got', () => {
    const error = rejection(withLocal({ rank: -3 }));
    expect(error.argument).toBe('local.rank');
    expect(error.value).toBe(-3);
    expect(error.message).toContain('local.rank must be a positive integer, got -3.');

    expect(rejection(withLocal({ dropout: 1 })).message).toContain(
      'local.dropout must be a number >= 0 and < 1, got 1.',
    );
    expect(rejection(withLocal({ learningRate: 'fast' })).message).toContain(
      'local.learningRate must be a number > 0, got "fast".',
    );
    expect(rejection(withLocal({ epochs: 2.5 })).message).toContain(
      'local.epochs must be a positive integer, got 2.5.',
    );
    expect(rejection(withLocal({ precision: 'fp16' })).message).toContain(
      'local.precision must be one of "bf16", "int8", "fp32", "auto", got "fp16".',
    );
    expect(rejection(withLocal({ gradientCheckpointing: 'yes' })).message).toContain(
      'local.gradientCheckpointing must be true or false, got "yes".',
    );
    expect(rejection(withLocal({ targetModules: [] })).argument).toBe('local.targetModules');
    expect(rejection(withLocal({ targetModules: ['q_proj', 'q_proj'] })).message).toContain(
      'lists "q_proj" twice',
    );
    expect(rejection(withLocal({ targetModules: ['q_proj', 3] })).argument).toBe('local.targetModules[1]');
    expect(rejection(withLocal({ schedule: { baseMomentum: 0.96 } })).message).toContain(
      'local.schedule.baseMomentum must not exceed local.schedule.maxMomentum (0.95), got 0.96.',
    );
    expect(rejection(withLocal({ device: 'cpu', gpus: 2 })).argument).toBe('local.gpus');
    expect(rejection({ ...minimal, openai: { suffix: 'x'.repeat(65) } }).argument).toBe('openai.suffix');
    expect(rejection({ ...minimal, openai: { baseURL: 'not a url' } }).argument).toBe('openai.baseURL');
  });

  it('reports required fields and bad shapes', () => {
    const { backend: _backend, ...noBackend } = minimal;
    expect(rejection(noBackend).message).toContain(
      'backend is required (one of "local", "openai"), got nothing.',
    );
    expect(rejection({ ...minimal, backend: 'gpu' }).message).toContain(
      'backend must be one of "local", "openai", got "gpu".',
    );
    const { outputDir: _outputDir, ...noOutput } = minimal;
    expect(rejection(noOutput).argument).toBe('outputDir');
    expect(rejection({ ...minimal, baseModel: '' }).message).toContain(
      'baseModel must be a non-empty string, got "".',
    );
    expect(rejection({ ...minimal, dataset: { split: 'train' } }).argument).toBe('dataset.path');
    expect(rejection({ ...minimal, dataset: { path: 'd', split: 'train-abc' } }).message).toContain(
      'dataset.split must be "train" or a nested subset "train-<n>" such as "train-1000", got "train-abc".',
    );
    expect(rejection({ ...minimal, dataset: { path: 'd', validationSplit: 'test' } }).argument).toBe(
      'dataset.validationSplit',
    );
    expect(rejection([minimal]).message).toContain('spec must be an object, got a list');
    expect(rejection({ ...minimal, local: 'fast' }).message).toContain(
      'local must be an object, got "fast".',
    );
    expect(rejection({ ...minimal, name: 'a/b' }).argument).toBe('name');
    expect(rejection({ ...minimal, systemPromptText: 'other' }).argument).toBe('systemPromptText');
  });

  it('rejects unknown keys with the closest known one', () => {
    const typo = rejection({ ...minimal, baseModle: 'x' });
    expect(typo.argument).toBe('baseModle');
    expect(typo.message).toContain('baseModle is not a known field (did you mean baseModel?)');
    expect(rejection(withLocal({ learning_rate: 1e-4 })).message).toContain(
      'local.learning_rate is not a known field (did you mean local.learningRate?); known fields of local: rank,',
    );
    expect(rejection(withLocal({ micro_batch_size: 8 })).message).toContain(
      'did you mean local.microBatchSize?',
    );
    expect(rejection(withLocal({ schedule: { pct_start: 0.1 } })).message).toContain(
      'did you mean local.schedule.pctStart?',
    );
    expect(rejection({ ...minimal, dataset: { path: 'd', subset: 'train-100' } }).message).toContain(
      'dataset.subset is not a known field (did you mean dataset.split?)',
    );
    expect(rejection({ ...minimal, openai: { n_epochs: 3 } }).message).toContain(
      'did you mean openai.epochs?',
    );
    expect(rejection(withLocal({ quantization: 'int8' })).message).toContain('did you mean local.precision?');
    expect(rejection(withLocal({ flashAttention: true })).message).not.toContain('did you mean');
  });
});
