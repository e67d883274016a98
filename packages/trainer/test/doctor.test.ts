import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancelledError, TonekitError } from '@tonekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionAtLeast } from '../src/doctor/compare-versions.js';
import {
  parseRequirements,
  readRequirements,
  workerRequirementsFile,
} from '../src/doctor/parse-requirements.js';
import { setupTrainerEnvironment } from '../src/doctor/setup-trainer-environment.js';
import { shellQuote } from '../src/doctor/shell-quote.js';
import { rejectionOf } from './rejection-of.js';

const venvAvailable =
  spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status === 0;
if (!venvAvailable)
  console.warn('\n!!! python3 with the venv module is not available: the real venv test is SKIPPED.\n');

describe('parseRequirements', () => {
  it('reads names, lower bounds, specifiers and optional markers', () => {
    const parsed = parseRequirements(
      [
        '# header comment',
        'torch>=2.13.0',
        'Transformers >= 5.18 , <6  # the models',
        'peft[extra]==0.21.0 ; python_version >= "3.10"',
        '-r other.txt',
        '--index-url https://example.com/simple',
        'plain',
        '',
        '# Optional: GPU int8',
        '# more words',
        'bitsandbytes>=0.43',
        'gguf~=0.19  # optional, GGUF export',
        '# Optional: commented out entirely',
        '# something',
      ].join('\n'),
    );
    expect(parsed).toEqual([
      { name: 'torch', minimum: '2.13.0', specifier: '>=2.13.0', optional: false },
      { name: 'Transformers', minimum: '5.18', specifier: '>=5.18,<6', optional: false },
      { name: 'peft', minimum: '0.21.0', specifier: '==0.21.0', optional: false },
      { name: 'plain', minimum: null, specifier: '', optional: false },
      { name: 'bitsandbytes', minimum: '0.43', specifier: '>=0.43', optional: true },
      { name: 'gguf', minimum: '0.19', specifier: '~=0.19', optional: true },
    ]);
  });

  it('reads the bundled requirements.txt, the single source of the minimum versions', async () => {
    const requirements = await readRequirements();
    const text = readFileSync(workerRequirementsFile, 'utf8');
    expect(requirements.map((requirement) => requirement.name)).toEqual(
      expect.arrayContaining(['torch', 'transformers', 'peft', 'safetensors', 'tokenizers']),
    );
    for (const requirement of requirements) {
      expect(requirement.minimum).not.toBeNull();
      expect(text).toContain(`${requirement.name}>=${requirement.minimum}`);
    }
  });
});

describe('versionAtLeast', () => {
  it.each([
    ['2.13.0+cpu', '2.13.0', true],
    ['2.13.0', '2.13', true],
    ['2.9.1', '2.13.0', false],
    ['0.21.0', '0.13', true],
    ['0.13.0rc1', '0.13', false],
    ['0.13.0rc1', '0.13.0rc1', true],
    ['1.0.post1', '1.0', true],
    ['10.0', '9.9.9', true],
    ['3.11.7', '3.10', true],
    ['3.9.18', '3.10', false],
  ])('%s >= %s is %s', (installed, minimum, expected) => {
    expect(versionAtLeast(installed, minimum)).toBe(expected);
  });
});

describe('shellQuote', () => {
  it('quotes what a shell would misread', () => {
    expect(shellQuote('/usr/bin/python3')).toBe('/usr/bin/python3');
    expect(shellQuote('peft>=0.13')).toBe("'peft>=0.13'");
    expect(shellQuote('/my dir/python')).toBe("'/my dir/python'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('setupTrainerEnvironment', () => {
  let dir: string;
  let fakePython: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tonekit-setup-'));
    // A stand-in for python3: `-m venv DIR` creates DIR/bin/python, itself a script that logs its
    // arguments and plays pip (exit code from FAKE_PIP_EXIT).
    fakePython = path.join(dir, 'python3');
    await writeFile(
      fakePython,
      [
        '#!/bin/sh',
        'if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then',
        '  mkdir -p "$3/bin"',
        '  echo "created $3"',
        `  printf '#!/bin/sh\\necho "$@" >> "%s"\\necho "Collecting torch>=2.13.0"\\necho "pip says hello" >&2\\nif [ -n "$FAKE_PIP_EXIT" ]; then echo "ERROR: No matching distribution found for torch>=2.13.0" >&2; exit "$FAKE_PIP_EXIT"; fi\\n' "$3/pip.log" > "$3/bin/python"`,
        '  chmod +x "$3/bin/python"',
        '  exit 0',
        'fi',
        'exit 9',
      ].join('\n'),
    );
    await chmod(fakePython, 0o755);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the venv, then pip installs requirements.txt and the extras, streaming output', async () => {
    const venvDir = path.join(dir, 'venv-ok');
    const lines: string[] = [];
    const result = await setupTrainerEnvironment({
      venvDir,
      python: fakePython,
      extras: ['bitsandbytes>=0.43'],
      onOutput: (line) => lines.push(line),
    });
    expect(result).toEqual({ venvDir, python: path.join(venvDir, 'bin', 'python') });
    expect(lines).toContain(`created ${venvDir}`);
    expect(lines).toContain('Collecting torch>=2.13.0');
    expect(lines).toContain('pip says hello');
    const pipLog = await readFile(path.join(venvDir, 'pip.log'), 'utf8');
    expect(pipLog.trim()).toBe(`-m pip install -r ${workerRequirementsFile} bitsandbytes>=0.43`);
    // A second run reuses the venv and only runs pip again.
    lines.length = 0;
    await setupTrainerEnvironment({
      venvDir,
      python: '/nonexistent/python3',
      onOutput: (line) => lines.push(line),
    });
    expect(lines.some((line) => line.startsWith('created'))).toBe(false);
    expect((await readFile(path.join(venvDir, 'pip.log'), 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('fails with the tail of the pip output', async () => {
    const venvDir = path.join(dir, 'venv-fail');
    process.env.FAKE_PIP_EXIT = '1';
    try {
      const error = await rejectionOf(setupTrainerEnvironment({ venvDir, python: fakePython }));
      expect(TonekitError.isInstance(error)).toBe(true);
      expect(error.message).toContain('exit code 1');
      expect(error.message).toContain('ERROR: No matching distribution found for torch>=2.13.0');
      expect(error.message).toContain('tonekit trainer setup');
    } finally {
      delete process.env.FAKE_PIP_EXIT;
    }
  });

  it('says when the base interpreter does not exist', async () => {
    const error = await rejectionOf(
      setupTrainerEnvironment({
        venvDir: path.join(dir, 'venv-missing'),
        python: '/nonexistent/python3',
      }),
    );
    expect(TonekitError.isInstance(error)).toBe(true);
    expect(error.message).toContain('`/nonexistent/python3` was not found');
    expect(existsSync(path.join(dir, 'venv-missing'))).toBe(false);
  });

  it('honors an aborted signal', async () => {
    const error = await rejectionOf(
      setupTrainerEnvironment({
        venvDir: path.join(dir, 'venv-aborted'),
        python: fakePython,
        signal: AbortSignal.abort(),
      }),
    );
    expect(CancelledError.isInstance(error)).toBe(true);
  });

  it.skipIf(!venvAvailable)(
    'runs the real python3 -m venv and reports what pip could not find (offline)',
    async () => {
      const venvDir = path.join(dir, 'venv-real');
      const emptyWheelhouse = path.join(dir, 'no-wheels');
      const saved = { PIP_NO_INDEX: process.env.PIP_NO_INDEX, PIP_FIND_LINKS: process.env.PIP_FIND_LINKS };
      // pip's own configuration applies: make it look nowhere, so the test never touches the network.
      process.env.PIP_NO_INDEX = '1';
      process.env.PIP_FIND_LINKS = emptyWheelhouse;
      try {
        const lines: string[] = [];
        const error = await rejectionOf(
          setupTrainerEnvironment({ venvDir, onOutput: (line) => lines.push(line) }),
        );
        expect(existsSync(path.join(venvDir, 'bin', 'python'))).toBe(true);
        expect(TonekitError.isInstance(error)).toBe(true);
        expect(error.message).toMatch(/No matching distribution found for torch>=/);
        expect(lines[0]).toBe(`$ python3 -m venv ${venvDir}`);
      } finally {
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    },
  );
});
