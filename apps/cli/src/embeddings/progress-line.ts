import type { TextSink } from '../cli-io.js';

/**
 * A one-line progress display on stderr (`\r`-rewritten on a terminal, a line per update otherwise),
 * throttled so that logging never costs more than the work it reports.
 */
export function createProgressLine(stderr: TextSink & { isTTY?: boolean }, intervalMs = 500) {
  let last = 0;
  let shown = false;
  const interactive = stderr.isTTY === true;
  return {
    update(text: string, force = false) {
      const now = Date.now();
      if (!force && now - last < intervalMs) return;
      last = now;
      shown = true;
      stderr.write(interactive ? `\r\x1b[K${text}` : `${text}\n`);
    },
    done() {
      if (shown && interactive) stderr.write('\n');
    },
  };
}

export function formatCount(done: number, total: number | undefined): string {
  return total === undefined
    ? `${done.toLocaleString('en-US')}`
    : `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
}
