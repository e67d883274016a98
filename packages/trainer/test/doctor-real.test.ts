import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { diagnoseTrainerEnvironment } from '../src/doctor/diagnose-trainer-environment.js';
import { readRequirements } from '../src/doctor/parse-requirements.js';
import { probeRealPython, warnSkipped } from './real-python.js';

const real = probeRealPython();
if (typeof real === 'string') warnSkipped('doctor on the real venv', real);

// A plain interpreter without torch: what a user has before `tonekit trainer setup`.
const bare = 'python3';
const bareProbe = spawnSync(bare, [
  '-c',
  'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("torch") is None else 3)',
]);
const bareUsable = bareProbe.status === 0;
if (!bareUsable) warnSkipped('doctor on a bare python3', `\`${bare}\` is missing or has torch installed`);

describe.skipIf(typeof real === 'string')('diagnoseTrainerEnvironment on the real venv', () => {
  const { python, versions, pythonVersion } = real as Exclude<typeof real, string>;

  it('reports a complete environment as ok', async () => {
    const diagnosis = await diagnoseTrainerEnvironment({ python });
    const requirements = await readRequirements();
    expect(diagnosis.python).toMatchObject({ command: python, version: pythonVersion, found: true });
    expect(diagnosis.packages.map((entry) => entry.name)).toEqual(
      requirements.map((requirement) => requirement.name),
    );
    for (const entry of diagnosis.packages) {
      expect(entry.ok).toBe(true);
      if (entry.name in versions) expect(entry.installed).toBe(versions[entry.name]);
    }
    expect(diagnosis.worker).toMatchObject({ ok: true, error: null });
    expect(diagnosis.ok).toBe(true);
    expect(diagnosis.advice.join('\n')).not.toContain('pip install');
    if (!diagnosis.cuda.available) expect(diagnosis.advice.join('\n')).toContain('No CUDA device');
  });
});

describe.skipIf(!bareUsable)('diagnoseTrainerEnvironment on a bare python3', () => {
  it('says exactly what to install', async () => {
    const diagnosis = await diagnoseTrainerEnvironment({ python: bare });
    const requirements = await readRequirements();
    const torchMinimum = requirements.find((requirement) => requirement.name === 'torch')!.minimum;
    expect(diagnosis.python.found).toBe(true);
    expect(diagnosis.ok).toBe(false);
    const torch = diagnosis.packages.find((entry) => entry.name === 'torch')!;
    expect(torch).toEqual({
      name: 'torch',
      installed: null,
      minimum: torchMinimum,
      required: true,
      ok: false,
    });
    const advice = diagnosis.advice.join('\n');
    expect(advice).toContain(`${bare} -m pip install 'torch>=${torchMinimum}'`);
    expect(advice).toContain('tonekit trainer setup');
    // The worker itself starts without torch and says so in its capabilities.
    expect(diagnosis.worker.ok).toBe(true);
    expect(diagnosis.cuda.available).toBe(false);
  });

  it('asks less for blending than for training', async () => {
    const train = await diagnoseTrainerEnvironment({ python: bare, requirements: 'train' });
    const blend = await diagnoseTrainerEnvironment({ python: bare, requirements: 'blend' });
    const required = (diagnosis: typeof train) =>
      diagnosis.packages.filter((entry) => entry.required).map((entry) => entry.name);
    expect(required(blend)).toEqual(expect.arrayContaining(['torch', 'transformers', 'peft']));
    expect(required(blend)).not.toContain('accelerate');
    expect(required(train)).toContain('accelerate');
    expect(required(blend).length).toBeLessThan(required(train).length);
  });
});

describe('diagnoseTrainerEnvironment without an interpreter', () => {
  it('reports it as not found, with what to do', async () => {
    const diagnosis = await diagnoseTrainerEnvironment({ python: '/nonexistent/bin/python3' });
    expect(diagnosis.python).toEqual({
      command: '/nonexistent/bin/python3',
      version: null,
      found: false,
      executable: null,
    });
    expect(diagnosis.ok).toBe(false);
    expect(diagnosis.worker.ok).toBe(false);
    expect(diagnosis.packages.every((entry) => entry.installed === null)).toBe(true);
    expect(diagnosis.advice.join('\n')).toMatch(/could not be run.*tonekit trainer setup/s);
  });
});
