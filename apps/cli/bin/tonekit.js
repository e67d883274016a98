#!/usr/bin/env node
// The `tonekit` executable. It is a committed JavaScript file, not the compiled dist/bin.js, because npm
// links a workspace's bins during install, before the root `prepare` script has built dist/: a bin
// pointing into dist/ would be skipped on a fresh clone.
const entry = new URL('../dist/bin.js', import.meta.url);
import(entry.href).catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(entry.pathname)) {
    console.error('error: tonekit is not built yet. Run `npm run build` in the repository root.');
    process.exit(1);
  }
  throw error;
});
