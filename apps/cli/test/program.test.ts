import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runTonekit } from './run-tonekit.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const builtBin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
// The executable npm links as `tonekit`: a committed launcher that loads dist/bin.js.
const launcher = fileURLToPath(new URL('../bin/tonekit.js', import.meta.url));

describe('tonekit (root program)', () => {
  it('--version prints the version from apps/cli/package.json', async () => {
    const result = await runTonekit(['--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`${manifest.version}\n`);
  });

  it('--help lists every command with examples', async () => {
    const result = await runTonekit(['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: tonekit [options] [command]');
    expect(result.stdout).toMatch(/readability \[options\] \[text\.\.\.\]/);
    expect(result.stdout).toMatch(/demo \[options\]/);
    expect(result.stdout).toContain('$ npx tonekit demo');
    expect(result.stdout).toContain('TONEKIT_DEBUG=1');
  });

  it.each(['readability', 'demo'])('%s --help has examples', async (command) => {
    const result = await runTonekit([command, '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Usage: tonekit ${command}`);
    expect(result.stdout).toContain(`Examples:\n  $ `);
  });

  it('an unknown command is a usage error with a suggestion and a help hint', async () => {
    const result = await runTonekit(['readabilty', 'hello']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("error: unknown command 'readabilty'");
    expect(result.stderr).toContain('(Did you mean readability?)');
    expect(result.stderr).toContain('(add --help for additional information)');
  });

  it('an unknown option is a usage error', async () => {
    const result = await runTonekit(['demo', '--jsn']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("error: unknown option '--jsn'");
  });

  it('no command prints the help to stderr', async () => {
    const result = await runTonekit([]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: tonekit');
  });

  it('TONEKIT_DEBUG=1 adds the stack trace to an error', async () => {
    const quiet = await runTonekit(['readability', '-f', 'does-not-exist.txt']);
    expect(quiet.stderr).not.toContain('    at ');
    const debug = await runTonekit(['readability', '-f', 'does-not-exist.txt'], {
      env: { TONEKIT_DEBUG: '1' },
    });
    expect(debug.exitCode).toBe(1);
    expect(debug.stderr).toMatch(/^error: --file does-not-exist\.txt: no such file/);
    expect(debug.stderr).toContain('    at ');
    expect(debug.stderr).toContain('Caused by:');
  });

  it('the tonekit executable prints its help', async (context) => {
    if (!existsSync(builtBin)) {
      context.skip('apps/cli/dist/bin.js is not built; run `npm run build` first (CI builds before testing)');
    }
    const { stdout } = await promisify(execFile)(process.execPath, [launcher, '--help'], {
      env: { ...process.env, TONEKIT_DEBUG: '' },
    });
    expect(stdout).toContain('Usage: tonekit [options] [command]');
    expect(stdout).toContain('readability');
  });
});
