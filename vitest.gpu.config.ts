import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:gpu`: only the `*.gpu.test.ts` files, which `npm test` leaves out. Run it where a GPU is
// lent; each file skips with a loud message when torch sees no CUDA device. (mergeConfig would append
// to `include` and `exclude` instead of replacing them, hence the spread.)
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['{packages,apps,tooling}/*/test/**/*.gpu.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 900_000,
  },
});
