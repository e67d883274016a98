import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultTrainerVenvDir, resolvePython } from '../src/worker/resolve-python.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-resolve-python-'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

describe('defaultTrainerVenvDir', () => {
  it('prefers TONEKIT_HOME, then XDG_CACHE_HOME/tonekit, then ~/.cache/tonekit', () => {
    expect(defaultTrainerVenvDir({ TONEKIT_HOME: '/data/tonekit', XDG_CACHE_HOME: '/xdg' })).toBe(
      '/data/tonekit/trainer-venv',
    );
    expect(defaultTrainerVenvDir({ TONEKIT_HOME: '', XDG_CACHE_HOME: '/xdg' })).toBe(
      '/xdg/tonekit/trainer-venv',
    );
    expect(defaultTrainerVenvDir({})).toBe(path.join(homedir(), '.cache', 'tonekit', 'trainer-venv'));
  });

  it('never reads the process environment itself (DESIGN §3: the CLI passes its own)', () => {
    vi.stubEnv('TONEKIT_HOME', '/from/process');
    expect(defaultTrainerVenvDir()).toBe(path.join(homedir(), '.cache', 'tonekit', 'trainer-venv'));
    vi.unstubAllEnvs();
  });
});

describe('resolvePython', () => {
  it('takes the option, then TONEKIT_PYTHON, then the setup venv, then python3', async () => {
    const home = path.join(dir, 'home');
    const env = { TONEKIT_HOME: home, TONEKIT_PYTHON: '/opt/py/bin/python' };
    expect(await resolvePython({ python: '/usr/bin/python3.12', env })).toBe('/usr/bin/python3.12');
    expect(await resolvePython({ env })).toBe('/opt/py/bin/python');
    expect(await resolvePython({ env: { TONEKIT_HOME: home, TONEKIT_PYTHON: '' } })).toBe('python3');
    // Once `tonekit trainer setup` has made the venv, it is found without configuration.
    const venvPython = path.join(home, 'trainer-venv', 'bin', 'python');
    await mkdir(path.dirname(venvPython), { recursive: true });
    await writeFile(venvPython, '#!/bin/sh\n');
    await chmod(venvPython, 0o755);
    expect(await resolvePython({ env: { TONEKIT_HOME: home } })).toBe(venvPython);
    expect(await resolvePython({ python: 'python3.11', env: { TONEKIT_HOME: home } })).toBe('python3.11');
  });
});
