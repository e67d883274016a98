export { type LocalRunState, readLocalRunState, runStateFileName } from './local-run-state.js';
export { type LocalRuntime, resolveLocalRuntime } from './resolve-local-runtime.js';
export { trainLocally } from './train-locally.js';
