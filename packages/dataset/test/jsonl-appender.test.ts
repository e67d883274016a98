import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlAppender } from '../src/index.js';

describe('JsonlAppender', () => {
  it('writes every line once, in append order, sharing writes between concurrent appends', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tonekit-appender-'));
    try {
      const file = join(dir, 'log.jsonl');
      const handle = await open(file, 'a');
      let writes = 0;
      const write = handle.write.bind(handle);
      handle.write = ((...args: Parameters<typeof write>) => {
        writes++;
        return write(...args);
      }) as typeof handle.write;
      const appender = new JsonlAppender(handle);
      const settled: number[] = [];
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => appender.append({ i }).then(() => settled.push(i))),
      );
      await appender.append({ i: 100 });
      await appender.close();
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      expect(lines.map((line) => JSON.parse(line).i)).toEqual(Array.from({ length: 101 }, (_, i) => i));
      expect(settled).toHaveLength(100);
      // The 100 lines appended in one tick share one write; the later line gets its own.
      expect(writes).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
