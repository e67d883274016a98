export {
  createWorkerLogitSources,
  type WorkerLogitSourceAdapter,
  type WorkerLogitSources,
  type WorkerLogitSourcesOptions,
} from './create-worker-logit-sources.js';
