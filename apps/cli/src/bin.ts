#!/usr/bin/env node
import { runCli } from './index.js';

// `tonekit ... | head` closes the pipe early; that is the reader's choice, not an error to report.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// The first Ctrl-C asks long work to stop cleanly (a training run saves a checkpoint first); a second
// one exits at once, as a user who presses it twice expects.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write('\nstopping cleanly (press Ctrl-C again to exit now)…\n');
  interrupt.abort();
});

process.exitCode = await runCli(process.argv, { interrupt: interrupt.signal });
