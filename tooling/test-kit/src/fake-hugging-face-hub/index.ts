export type {
  FakeHubFile,
  FakeHubRepository,
  FakeHuggingFaceHubDataset,
} from './build-fake-hub-dataset.js';
export type { FakeHubEndpoint, FakeHubFault, FakeHubFaultTarget } from './fake-hub-fault.js';
export {
  type FakeHubRequest,
  type FakeHuggingFaceHub,
  type FakeHuggingFaceHubSettings,
  startFakeHuggingFaceHub,
} from './start-fake-hugging-face-hub.js';
