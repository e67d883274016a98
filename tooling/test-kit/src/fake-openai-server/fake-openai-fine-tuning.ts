import { parseMultipartForm } from './parse-multipart-form.js';

/**
 * How fake fine-tuning jobs progress. A job walks `validating_files` → `queued` → `running` → `succeeded`
 * (or `failed` / `cancelled`) one "tick" at a time; a tick happens each time the job is retrieved
 * (`GET /v1/fine_tuning/jobs/{id}`), or, with `stepIntervalMs`, each time that many milliseconds have
 * passed. Everything else is a pure function of the request and these settings, so tests can assert
 * exact step numbers, losses and event orders.
 */
export interface FakeOpenAIFineTuningSettings {
  /** Optimizer steps a running job advances per tick. Default 1. */
  stepsPerPoll?: number;
  /** Ticks by wall-clock time instead of by retrieval: one tick per this many milliseconds. */
  stepIntervalMs?: number;
  /** Steps of the whole job; by default `ceil(examples / batch_size) × n_epochs` from the training file. */
  totalSteps?: number;
  /** Ticks spent in `validating_files` and in `queued`. Default 1 each. */
  validatingTicks?: number;
  queuedTicks?: number;
  /** Fails the job when it reaches this step (0: while validating files) with OpenAI's `error` object. */
  fail?: { atStep: number; code: string; message: string; param?: string | null };
  /** Losses reported at each step; defaults to a smooth exponential decay with validation slightly above. */
  lossCurve?: (step: number, totalSteps: number) => { trainLoss: number; validLoss?: number };
  /** Steps between `valid_loss` metrics when the job has a validation file. Default 1 (every step). */
  validationEverySteps?: number;
  /** Organization in `ft:<base>:<org>:<suffix>:<id>` model names. Default `tonekit-fake`. */
  organization?: string;
  /** `GET /v1/files/{id}` calls that still answer `status: 'uploaded'` before a file is `processed`. Default 0. */
  fileProcessingPolls?: number;
}

/** A file uploaded to the fake, with its bytes. */
export interface FakeOpenAIFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  createdAt: number;
  status: 'uploaded' | 'processed' | 'error';
  content: Buffer;
}

/** A fake fine-tuning job: the body it was created with, its API object and everything it emitted. */
export interface FakeOpenAIFineTuningJob {
  readonly id: string;
  /** The parsed `POST /v1/fine_tuning/jobs` body. */
  readonly request: Record<string, unknown>;
  /** The `fine_tuning.job` object as `GET /v1/fine_tuning/jobs/{id}` answers it now. */
  readonly object: Record<string, unknown>;
  /** `fine_tuning.job.event` objects, oldest first (the API lists them newest first). */
  readonly events: readonly Record<string, unknown>[];
  /** Checkpoints still kept (the last three), oldest first. */
  readonly checkpoints: readonly Record<string, unknown>[];
  readonly step: number;
  readonly totalSteps: number;
}

type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

interface JobRecord {
  id: string;
  request: Record<string, unknown>;
  object: Record<string, unknown> & { status: JobStatus };
  events: Record<string, unknown>[];
  checkpoints: Record<string, unknown>[];
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
  examples: number;
  settings: Required<Omit<FakeOpenAIFineTuningSettings, 'fail' | 'stepIntervalMs' | 'totalSteps'>> &
    Pick<FakeOpenAIFineTuningSettings, 'fail' | 'stepIntervalMs'>;
  ticksLeftInStatus: number;
  ticks: number;
  createdAtMs: number;
  trainFile: FakeOpenAIFile;
  validationFile: FakeOpenAIFile | undefined;
  lastTrainLoss: number;
}

/** What a route handler answers: a JSON body, or an OpenAI-style error. */
export type FakeOpenAIFineTuningReply =
  | { status: number; body: unknown }
  | {
      status: number;
      error: { message: string; type?: string; param?: string | null; code?: string | null };
    };

/** The files and fine-tuning routes of the fake; one store per server. */
export interface FakeOpenAIFineTuningStore {
  readonly files: FakeOpenAIFile[];
  readonly jobs: FakeOpenAIFineTuningJob[];
  setSettings(settings: FakeOpenAIFineTuningSettings | undefined): void;
  createFile(body: Buffer, contentType: string): FakeOpenAIFineTuningReply;
  retrieveFile(id: string): FakeOpenAIFineTuningReply;
  createJob(body: unknown): FakeOpenAIFineTuningReply;
  listJobs(query: URLSearchParams): FakeOpenAIFineTuningReply;
  retrieveJob(id: string): FakeOpenAIFineTuningReply;
  cancelJob(id: string): FakeOpenAIFineTuningReply;
  listEvents(id: string, query: URLSearchParams): FakeOpenAIFineTuningReply;
  listCheckpoints(id: string, query: URLSearchParams): FakeOpenAIFineTuningReply;
}

const terminal = new Set<JobStatus>(['succeeded', 'failed', 'cancelled']);
const createJobKeys = new Set([
  'model',
  'training_file',
  'validation_file',
  'hyperparameters',
  'method',
  'seed',
  'suffix',
  'metadata',
  'integrations',
]);
const hyperparameterKeys = new Set(['batch_size', 'learning_rate_multiplier', 'n_epochs']);
const maxSuffixLength = 64;
const minExamples = 10;

export const defaultLossCurve = (step: number, totalSteps: number) => {
  const trainLoss = 0.4 + 2 * Math.exp((-3 * step) / Math.max(1, totalSteps));
  return { trainLoss, validLoss: trainLoss + 0.1 };
};

/** Builds the in-memory store behind the fake's `/v1/files` and `/v1/fine_tuning/jobs` routes. */
export function createFakeOpenAIFineTuningStore(
  initial: FakeOpenAIFineTuningSettings | undefined,
  now: () => number = Date.now,
): FakeOpenAIFineTuningStore {
  let settings = initial ?? {};
  const files: FakeOpenAIFile[] = [];
  const fileLookups = new Map<string, number>();
  const jobs: JobRecord[] = [];
  let nextEvent = 1;
  let nextCheckpoint = 1;
  const seconds = () => Math.floor(now() / 1000);
  const pad = (n: number) => String(n).padStart(6, '0');

  const invalid = (message: string, param: string | null = null, code: string | null = null) =>
    ({ status: 400, error: { message, type: 'invalid_request_error', param, code } }) as const;
  const notFound = (message: string, param: string | null = null) =>
    ({ status: 404, error: { message, type: 'invalid_request_error', param, code: null } }) as const;

  const fileObject = (file: FakeOpenAIFile) => ({
    object: 'file',
    id: file.id,
    purpose: file.purpose,
    filename: file.filename,
    bytes: file.bytes,
    created_at: file.createdAt,
    expires_at: null,
    status: file.status,
    status_details: null,
  });

  const addFile = (filename: string, purpose: string, content: Buffer, status: FakeOpenAIFile['status']) => {
    const file: FakeOpenAIFile = {
      id: `file-fake${pad(files.length + 1)}`,
      filename,
      purpose,
      bytes: content.length,
      createdAt: seconds(),
      status,
      content,
    };
    files.push(file);
    return file;
  };

  const emit = (job: JobRecord, message: string, extra: Record<string, unknown> = {}, level = 'info') => {
    job.events.push({
      object: 'fine_tuning.job.event',
      id: `ftevent-fake${pad(nextEvent++)}`,
      created_at: seconds(),
      level,
      message,
      data: {},
      type: 'message',
      ...extra,
    });
  };

  const fail = (job: JobRecord, error: { code: string; message: string; param?: string | null }) => {
    job.object.status = 'failed';
    job.object.finished_at = seconds();
    job.object.error = { code: error.code, message: error.message, param: error.param ?? null };
    emit(job, error.message, {}, 'error');
  };

  /** Checks the training file the way the API's `validating_files` phase does, in brief. */
  const validateTrainingFile = (
    job: JobRecord,
  ): { code: string; message: string; param: string } | undefined => {
    const lines = job.trainFile.content.toString('utf8').split('\n');
    let examples = 0;
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const messages = (parsed as { messages?: unknown } | undefined)?.messages;
      if (!Array.isArray(messages) || messages.length === 0)
        return {
          code: 'invalid_training_file',
          message: `The job failed due to an invalid training file. Invalid file format. Line ${index + 1}: expected a JSON object with a non-empty 'messages' list.`,
          param: 'training_file',
        };
      examples++;
    }
    if (examples < minExamples)
      return {
        code: 'invalid_training_file',
        message: `The job failed due to an invalid training file. Training file has ${examples} example(s), but must have at least ${minExamples} examples`,
        param: 'training_file',
      };
    return undefined;
  };

  const trainStep = (job: JobRecord) => {
    const { settings: jobSettings } = job;
    const step = job.step + 1;
    if (jobSettings.fail !== undefined && jobSettings.fail.atStep > 0 && step >= jobSettings.fail.atStep) {
      fail(job, jobSettings.fail);
      return;
    }
    job.step = step;
    const { trainLoss, validLoss } = jobSettings.lossCurve(step, job.totalSteps);
    job.lastTrainLoss = trainLoss;
    const hasValidation = job.validationFile !== undefined;
    const isLast = step === job.totalSteps;
    const data: Record<string, number> = {
      step,
      train_loss: trainLoss,
      train_mean_token_accuracy: accuracyFor(trainLoss),
      total_steps: job.totalSteps,
    };
    const validLossNow = validLoss ?? trainLoss;
    if (hasValidation && (step % jobSettings.validationEverySteps === 0 || isLast)) {
      data.valid_loss = validLossNow;
      data.valid_mean_token_accuracy = accuracyFor(validLossNow);
    }
    // The API reports the loss over the whole validation file once, with the final step.
    if (hasValidation && isLast) {
      data.full_valid_loss = validLossNow;
      data.full_valid_mean_token_accuracy = accuracyFor(validLossNow);
    }
    const parts = [`training loss=${trainLoss.toFixed(2)}`];
    if (data.valid_loss !== undefined) parts.push(`validation loss=${data.valid_loss.toFixed(2)}`);
    if (data.full_valid_loss !== undefined)
      parts.push(`full validation loss=${data.full_valid_loss.toFixed(2)}`);
    emit(job, `Step ${step}/${job.totalSteps}: ${parts.join(', ')}`, { data, type: 'metrics' });
    if (step % job.stepsPerEpoch === 0 || isLast) {
      const model = fineTunedModelName(job);
      job.checkpoints.push({
        object: 'fine_tuning.job.checkpoint',
        id: `ftckpt-fake${pad(nextCheckpoint++)}`,
        created_at: seconds(),
        fine_tuned_model_checkpoint: `${model}:ckpt-step-${step}`,
        fine_tuning_job_id: job.id,
        metrics: { ...data },
        step_number: step,
      });
      // OpenAI keeps the checkpoints of the last three epochs.
      if (job.checkpoints.length > 3) job.checkpoints.shift();
      emit(job, `Checkpoint created at step ${step}`);
    }
    if (isLast) {
      const model = fineTunedModelName(job);
      const results = addFile(
        'step_metrics.csv',
        'fine-tune-results',
        Buffer.from(resultsCsv(job)),
        'processed',
      );
      emit(job, `New fine-tuned model created: ${model}`);
      emit(job, 'The job has successfully completed');
      job.object.status = 'succeeded';
      job.object.fine_tuned_model = model;
      job.object.finished_at = seconds();
      job.object.result_files = [results.id];
      job.object.trained_tokens = trainedTokens(job);
    }
  };

  const tick = (job: JobRecord) => {
    job.ticks++;
    switch (job.object.status) {
      case 'validating_files': {
        if (--job.ticksLeftInStatus > 0) return;
        const problem =
          job.settings.fail?.atStep === 0
            ? { ...job.settings.fail, param: job.settings.fail.param ?? null }
            : validateTrainingFile(job);
        if (problem !== undefined) {
          fail(job, problem);
          return;
        }
        job.object.status = 'queued';
        job.ticksLeftInStatus = job.settings.queuedTicks;
        emit(job, 'Files validated, moving job to queued state');
        return;
      }
      case 'queued':
        if (--job.ticksLeftInStatus > 0) return;
        job.object.status = 'running';
        emit(job, 'Fine-tuning job started');
        return;
      case 'running':
        for (let i = 0; i < job.settings.stepsPerPoll && job.object.status === 'running'; i++) trainStep(job);
        return;
      default:
    }
  };

  /** Time-driven jobs catch up with the clock whenever anything looks at them. */
  const syncClock = (job: JobRecord) => {
    const interval = job.settings.stepIntervalMs;
    if (interval === undefined) return;
    const due = Math.floor((now() - job.createdAtMs) / interval);
    while (job.ticks < due && !terminal.has(job.object.status)) tick(job);
  };

  const findJob = (id: string) => {
    const job = jobs.find((candidate) => candidate.id === id);
    if (job !== undefined) syncClock(job);
    return job;
  };
  const jobNotFound = (id: string) =>
    notFound(`No fine-tuning job found with id ${id}.`, 'fine_tuning_job_id');

  const page = (
    newestFirst: Record<string, unknown>[],
    query: URLSearchParams,
    defaultLimit: number,
  ): FakeOpenAIFineTuningReply => {
    const limitText = query.get('limit');
    const limit = limitText === null ? defaultLimit : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return invalid(`Invalid 'limit': expected an integer from 1 to 100, got ${limitText}.`, 'limit');
    let start = 0;
    const after = query.get('after');
    if (after !== null) {
      const index = newestFirst.findIndex((item) => item.id === after);
      if (index === -1) return invalid(`Invalid 'after': no item with id ${after}.`, 'after');
      start = index + 1;
    }
    const data = newestFirst.slice(start, start + limit);
    return { status: 200, body: { object: 'list', data, has_more: start + limit < newestFirst.length } };
  };

  const publicJob = (job: JobRecord): FakeOpenAIFineTuningJob => ({
    get id() {
      return job.id;
    },
    get request() {
      return job.request;
    },
    get object() {
      return structuredClone(job.object);
    },
    get events() {
      return job.events;
    },
    get checkpoints() {
      return job.checkpoints;
    },
    get step() {
      return job.step;
    },
    get totalSteps() {
      return job.totalSteps;
    },
  });
  const publicJobs: FakeOpenAIFineTuningJob[] = [];

  return {
    files,
    jobs: publicJobs,
    setSettings(next) {
      settings = next ?? {};
    },

    createFile(body, contentType) {
      const parts = parseMultipartForm(body, contentType);
      if (parts === undefined)
        return invalid(
          "Invalid request: POST /v1/files expects a multipart/form-data body with 'file' and 'purpose'.",
        );
      const purpose = parts.find((part) => part.name === 'purpose')?.data.toString('utf8');
      const file = parts.find((part) => part.name === 'file');
      if (purpose === undefined || purpose === '')
        return invalid("Missing required parameter: 'purpose'.", 'purpose');
      if (file === undefined || file.filename === undefined)
        return invalid("Missing required parameter: 'file'.", 'file');
      const purposes = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
      if (!purposes.includes(purpose))
        return invalid(
          `Invalid value for 'purpose': ${JSON.stringify(purpose)}. Supported values are: ${purposes.map((p) => `'${p}'`).join(', ')}.`,
          'purpose',
        );
      if (purpose === 'fine-tune' && !file.filename.toLowerCase().endsWith('.jsonl'))
        return invalid('Invalid file format for Fine-Tuning API. Must be .jsonl', 'file');
      const processing = (settings.fileProcessingPolls ?? 0) > 0;
      const stored = addFile(
        file.filename,
        purpose,
        Buffer.from(file.data),
        processing ? 'uploaded' : 'processed',
      );
      fileLookups.set(stored.id, 0);
      return { status: 200, body: fileObject(stored) };
    },

    retrieveFile(id) {
      const file = files.find((candidate) => candidate.id === id);
      if (file === undefined) return notFound(`No such File object: ${id}`, 'id');
      const lookups = (fileLookups.get(id) ?? 0) + 1;
      fileLookups.set(id, lookups);
      if (file.status === 'uploaded' && lookups > (settings.fileProcessingPolls ?? 0))
        file.status = 'processed';
      return { status: 200, body: fileObject(file) };
    },

    createJob(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return invalid('The request body must be a JSON object.');
      const request = body as Record<string, unknown>;
      for (const key of Object.keys(request)) {
        if (!createJobKeys.has(key)) return invalid(`Unrecognized request argument supplied: ${key}`, key);
      }
      if (typeof request.model !== 'string' || request.model === '')
        return invalid("Missing required parameter: 'model'.", 'model');
      const trainChecked = checkFile(request.training_file, 'training_file', true);
      if ('error' in trainChecked) return trainChecked;
      // A required file is never undefined once checked.
      const trainFile = { file: trainChecked.file! };
      const validationFile = checkFile(request.validation_file, 'validation_file', false);
      if ('error' in validationFile) return validationFile;

      let hyperparameters: unknown;
      const method = request.method as Record<string, unknown> | undefined | null;
      if (method !== undefined && method !== null) {
        if (typeof method !== 'object' || Array.isArray(method))
          return invalid("Invalid type for 'method': expected an object.", 'method');
        if (!['supervised', 'dpo', 'reinforcement'].includes(method.type as string))
          return invalid(
            `Invalid value for 'method.type': ${JSON.stringify(method.type)}. Supported values are: 'supervised', 'dpo', and 'reinforcement'.`,
            'method.type',
          );
        if (method.type !== 'supervised')
          return invalid(
            `The fake OpenAI server simulates only supervised fine-tuning, not '${String(method.type)}'.`,
            'method.type',
          );
        const supervised = method.supervised as Record<string, unknown> | undefined | null;
        hyperparameters = supervised?.hyperparameters;
        if (hyperparameters !== undefined && request.hyperparameters !== undefined)
          return invalid(
            "Specify hyperparameters in 'method.supervised.hyperparameters' only, not also in the deprecated 'hyperparameters'.",
            'hyperparameters',
          );
      }
      hyperparameters ??= request.hyperparameters;
      const checked = checkHyperparameters(
        hyperparameters,
        method == null ? 'hyperparameters' : 'method.supervised.hyperparameters',
      );
      if ('error' in checked) return checked;

      if (request.seed !== undefined && request.seed !== null && !Number.isInteger(request.seed))
        return invalid("Invalid type for 'seed': expected an integer.", 'seed');
      const { suffix } = request;
      if (suffix !== undefined && suffix !== null) {
        if (typeof suffix !== 'string')
          return invalid("Invalid type for 'suffix': expected a string.", 'suffix');
        if (suffix.length > maxSuffixLength)
          return invalid(
            `Invalid 'suffix': string too long. Expected a string with maximum length ${maxSuffixLength}, but got a string with length ${suffix.length} instead.`,
            'suffix',
          );
      }
      const metadata = request.metadata as Record<string, unknown> | undefined | null;
      if (metadata !== undefined && metadata !== null) {
        if (
          typeof metadata !== 'object' ||
          Array.isArray(metadata) ||
          Object.keys(metadata).length > 16 ||
          Object.values(metadata).some((value) => typeof value !== 'string')
        )
          return invalid("Invalid 'metadata': expected at most 16 string values.", 'metadata');
      }

      const examples = countExamples(trainFile.file.content);
      const batchSize =
        checked.batch_size === 'auto'
          ? Math.max(1, Math.min(256, Math.ceil(examples * 0.002)))
          : checked.batch_size;
      const epochs = checked.n_epochs === 'auto' ? autoEpochs(examples) : checked.n_epochs;
      const learningRateMultiplier =
        checked.learning_rate_multiplier === 'auto' ? 2 : checked.learning_rate_multiplier;
      const stepsPerEpoch = Math.max(1, Math.ceil(examples / batchSize));
      const totalSteps = settings.totalSteps ?? stepsPerEpoch * epochs;
      const jobSettings: JobRecord['settings'] = {
        stepsPerPoll: settings.stepsPerPoll ?? 1,
        validatingTicks: settings.validatingTicks ?? 1,
        queuedTicks: settings.queuedTicks ?? 1,
        lossCurve: settings.lossCurve ?? defaultLossCurve,
        validationEverySteps: settings.validationEverySteps ?? 1,
        organization: settings.organization ?? 'tonekit-fake',
        fileProcessingPolls: settings.fileProcessingPolls ?? 0,
        ...(settings.fail === undefined ? {} : { fail: settings.fail }),
        ...(settings.stepIntervalMs === undefined ? {} : { stepIntervalMs: settings.stepIntervalMs }),
      };
      const resolved = {
        batch_size: batchSize,
        learning_rate_multiplier: learningRateMultiplier,
        n_epochs: epochs,
      };
      const id = `ftjob-fake${pad(jobs.length + 1)}`;
      const job: JobRecord = {
        id,
        request,
        object: {
          object: 'fine_tuning.job',
          id,
          model: request.model,
          created_at: seconds(),
          finished_at: null,
          fine_tuned_model: null,
          organization_id: `org-${jobSettings.organization}`,
          result_files: [],
          status: 'validating_files',
          validation_file: validationFile.file?.id ?? null,
          training_file: trainFile.file.id,
          hyperparameters: resolved,
          trained_tokens: null,
          error: null,
          user_provided_suffix: typeof suffix === 'string' ? suffix : null,
          seed: typeof request.seed === 'number' ? request.seed : 1_234_567,
          estimated_finish: null,
          integrations: [],
          metadata: metadata ?? null,
          method: { type: 'supervised', supervised: { hyperparameters: resolved } },
        },
        events: [],
        checkpoints: [],
        step: 0,
        totalSteps: Math.max(1, totalSteps),
        stepsPerEpoch: Math.max(1, Math.round(Math.max(1, totalSteps) / epochs)),
        examples,
        settings: jobSettings,
        ticksLeftInStatus: jobSettings.validatingTicks,
        ticks: 0,
        createdAtMs: now(),
        trainFile: trainFile.file,
        validationFile: validationFile.file,
        lastTrainLoss: Number.NaN,
      };
      jobs.push(job);
      publicJobs.push(publicJob(job));
      emit(job, `Created fine-tuning job: ${id}`);
      emit(
        job,
        validationFile.file === undefined
          ? `Validating training file: ${trainFile.file.id}`
          : `Validating training file: ${trainFile.file.id} and validation file: ${validationFile.file.id}`,
      );
      return { status: 200, body: structuredClone(job.object) };
    },

    listJobs(query) {
      const filters: [string, string][] = [];
      for (const [key, value] of query) {
        const match = /^metadata\[(.+)\]$/.exec(key);
        if (match !== null) filters.push([match[1]!, value]);
      }
      const matching = jobs
        .filter((job) => {
          syncClock(job);
          const metadata = (job.object.metadata ?? {}) as Record<string, string>;
          return filters.every(([key, value]) => metadata[key] === value);
        })
        .reverse()
        .map((job) => structuredClone(job.object));
      return page(matching, query, 20);
    },

    retrieveJob(id) {
      const job = findJob(id);
      if (job === undefined) return jobNotFound(id);
      if (job.settings.stepIntervalMs === undefined && !terminal.has(job.object.status)) tick(job);
      return { status: 200, body: structuredClone(job.object) };
    },

    cancelJob(id) {
      const job = findJob(id);
      if (job === undefined) return jobNotFound(id);
      if (job.object.status === 'cancelled') return invalid(`Job has already been cancelled: ${id}`);
      if (terminal.has(job.object.status)) return invalid(`Job has already completed: ${id}`);
      job.object.status = 'cancelled';
      job.object.finished_at = seconds();
      emit(job, 'Fine-tuning job cancelled');
      return { status: 200, body: structuredClone(job.object) };
    },

    listEvents(id, query) {
      const job = findJob(id);
      if (job === undefined) return jobNotFound(id);
      return page([...job.events].reverse(), query, 20);
    },

    listCheckpoints(id, query) {
      const job = findJob(id);
      if (job === undefined) return jobNotFound(id);
      return page([...job.checkpoints].reverse(), query, 10);
    },
  };

  function checkFile(
    value: unknown,
    param: 'training_file' | 'validation_file',
    required: boolean,
  ): { file: FakeOpenAIFile | undefined } | ReturnType<typeof invalid> {
    if (value === undefined || value === null) {
      return required ? invalid(`Missing required parameter: '${param}'.`, param) : { file: undefined };
    }
    if (typeof value !== 'string') return invalid(`Invalid type for '${param}': expected a file id.`, param);
    const file = files.find((candidate) => candidate.id === value);
    if (file === undefined)
      return invalid(`Invalid file ID: ${value}. No such file.`, param, 'invalid_file_id');
    if (file.purpose !== 'fine-tune')
      return invalid(
        `File ${value} has purpose '${file.purpose}'; fine-tuning needs a file uploaded with purpose 'fine-tune'.`,
        param,
        'invalid_file_purpose',
      );
    if (file.status !== 'processed')
      return invalid(
        `File ${value} is still being processed and is not ready to be used for fine-tuning. Please try again later.`,
        param,
        'file_not_ready',
      );
    return { file };
  }

  function checkHyperparameters(
    value: unknown,
    where: string,
  ):
    | { batch_size: number | 'auto'; learning_rate_multiplier: number | 'auto'; n_epochs: number | 'auto' }
    | ReturnType<typeof invalid> {
    const resolved = {
      batch_size: 'auto' as number | 'auto',
      learning_rate_multiplier: 'auto' as number | 'auto',
      n_epochs: 'auto' as number | 'auto',
    };
    if (value === undefined || value === null) return resolved;
    if (typeof value !== 'object' || Array.isArray(value))
      return invalid(`Invalid type for '${where}': expected an object.`, where);
    const given = value as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!hyperparameterKeys.has(key))
        return invalid(`Unrecognized hyperparameter: '${where}.${key}'.`, `${where}.${key}`);
    }
    const { batch_size, learning_rate_multiplier, n_epochs } = given;
    if (batch_size !== undefined && batch_size !== 'auto') {
      if (!(Number.isInteger(batch_size) && (batch_size as number) >= 1 && (batch_size as number) <= 256))
        return invalid(
          `Invalid '${where}.batch_size': expected 'auto' or an integer from 1 to 256, got ${JSON.stringify(batch_size)}.`,
          `${where}.batch_size`,
        );
      resolved.batch_size = batch_size as number;
    }
    if (learning_rate_multiplier !== undefined && learning_rate_multiplier !== 'auto') {
      if (
        !(
          typeof learning_rate_multiplier === 'number' &&
          Number.isFinite(learning_rate_multiplier) &&
          learning_rate_multiplier > 0
        )
      )
        return invalid(
          `Invalid '${where}.learning_rate_multiplier': expected 'auto' or a number > 0, got ${JSON.stringify(learning_rate_multiplier)}.`,
          `${where}.learning_rate_multiplier`,
        );
      resolved.learning_rate_multiplier = learning_rate_multiplier;
    }
    if (n_epochs !== undefined && n_epochs !== 'auto') {
      if (!(Number.isInteger(n_epochs) && (n_epochs as number) >= 1 && (n_epochs as number) <= 50))
        return invalid(
          `Invalid '${where}.n_epochs': expected 'auto' or an integer from 1 to 50, got ${JSON.stringify(n_epochs)}.`,
          `${where}.n_epochs`,
        );
      resolved.n_epochs = n_epochs as number;
    }
    return resolved;
  }
}

function accuracyFor(loss: number): number {
  return Math.max(0, Math.min(1, 1 - loss / 4));
}

function countExamples(content: Buffer): number {
  return content
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '').length;
}

/** The n_epochs heuristic of OpenAI's data-preparation cookbook: 3, raised for tiny and lowered for huge files. */
function autoEpochs(examples: number): number {
  if (examples * 3 < 100) return Math.min(25, Math.floor(100 / Math.max(1, examples)));
  if (examples * 3 > 25_000) return Math.max(1, Math.floor(25_000 / examples));
  return 3;
}

function fineTunedModelName(job: JobRecord): string {
  const suffix = (job.object.user_provided_suffix as string | null) ?? '';
  return `ft:${String(job.object.model)}:${job.settings.organization}:${suffix}:${job.id.slice('ftjob-'.length)}`;
}

function trainedTokens(job: JobRecord): number {
  // Words of the message contents stand in for tokens, as in the fake's chat completions.
  let words = 0;
  for (const line of job.trainFile.content.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    const messages = (JSON.parse(line) as { messages: { content?: unknown }[] }).messages;
    for (const message of messages) {
      if (typeof message.content === 'string') words += message.content.split(/\s+/).filter(Boolean).length;
    }
  }
  const epochs = (job.object.hyperparameters as { n_epochs: number }).n_epochs;
  return words * epochs;
}

function resultsCsv(job: JobRecord): string {
  const rows = ['step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy'];
  for (const event of job.events) {
    if (event.type !== 'metrics') continue;
    const data = event.data as Record<string, number | undefined>;
    rows.push(
      [
        data.step,
        data.train_loss,
        data.train_mean_token_accuracy,
        data.valid_loss,
        data.valid_mean_token_accuracy,
      ]
        .map((value) => (value === undefined ? '' : String(value)))
        .join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}
