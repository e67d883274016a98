export {
  type CudaDiagnosis,
  type DiagnoseTrainerEnvironmentOptions,
  diagnoseTrainerEnvironment,
  type PythonPackageDiagnosis,
  type TrainerDiagnosis,
  type TrainerRequirements,
} from './diagnose-trainer-environment.js';
export { type Requirement, readRequirements, workerRequirementsFile } from './parse-requirements.js';
export {
  type SetupTrainerEnvironmentOptions,
  type SetupTrainerEnvironmentResult,
  setupTrainerEnvironment,
} from './setup-trainer-environment.js';
