import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh folder under the OS temp dir, removed after the test file. */
export async function temporaryDirectory(prefix = 'tonekit-dataset-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Names in a folder that look like leftovers of an interrupted write. */
export async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /\.(tmp|old)-[0-9a-f]+$/.test(name));
}
