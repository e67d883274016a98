export {
  PythonWorker,
  type StartWorkerOptions,
  type WorkerCapabilities,
  type WorkerEvent,
  type WorkerReady,
  type WorkerRequestOptions,
  workerProtocolVersion,
} from './python-worker.js';
export {
  defaultTrainerVenvDir,
  resolvePython,
  type TrainerEnvironment,
  venvPython,
} from './resolve-python.js';
export { workerPythonDir } from './worker-python-dir.js';
