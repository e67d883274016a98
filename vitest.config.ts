import { defineConfig } from 'vitest/config';

// Tests run against TypeScript sources, never against dist: every workspace package maps the
// "@tonekit/source" export condition to its src/index.ts, and this config turns that condition on.
const sourceConditions = ['@tonekit/source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@tonekit/source'] } },
  test: {
    include: ['{packages,apps,tooling}/*/test/**/*.test.ts'],
    // GPU tests run only where a GPU is lent: `npm run test:gpu`.
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.gpu.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './scripts/plain-summary-reporter.ts'],
  },
});
