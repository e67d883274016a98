import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * Where a Chromium for the browser test lives: `TONEKIT_CHROMIUM` (only tests read it), then
 * Debian's /usr/bin/chromium, then `chromium` or `chromium-browser` on PATH. Undefined when none is
 * executable, so the test can skip and say so.
 */
export async function findChromium(): Promise<string | undefined> {
  const override = process.env['TONEKIT_CHROMIUM'];
  if (override) {
    if (await isExecutable(override)) return override;
    throw new Error(`TONEKIT_CHROMIUM=${override} is not an executable file.`);
  }
  const onPath = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .flatMap((dir) => [join(dir, 'chromium'), join(dir, 'chromium-browser')]);
  for (const candidate of ['/usr/bin/chromium', ...onPath]) {
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
