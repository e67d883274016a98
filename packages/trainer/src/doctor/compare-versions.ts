/**
 * Whether `installed` >= `minimum` for the version strings Python packages report (PEP 440, the parts
 * that occur in practice): numeric release segments compare numerically (`0.13` < `0.21.0`), a local
 * label (`2.13.0+cpu`) is ignored, and a pre-release (`0.13.0rc1`, `1.0.dev3`) sorts below its release.
 */
export function versionAtLeast(installed: string, minimum: string): boolean {
  const a = parseVersion(installed);
  const b = parseVersion(minimum);
  const length = Math.max(a.release.length, b.release.length);
  for (let index = 0; index < length; index++) {
    const difference = (a.release[index] ?? 0) - (b.release[index] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  // Same release: 1.0rc1 < 1.0, so a pre-release only satisfies a pre-release minimum.
  return !a.preRelease || b.preRelease;
}

function parseVersion(version: string): { release: number[]; preRelease: boolean } {
  const withoutLocal = version.trim().replace(/^v/i, '').split('+')[0]!;
  const match = /^(\d+(?:\.\d+)*)(.*)$/.exec(withoutLocal);
  if (match === null) return { release: [], preRelease: false };
  const rest = match[2]!.toLowerCase();
  return {
    release: match[1]!.split('.').map(Number),
    preRelease: /^[-_.]?(a|b|c|rc|alpha|beta|pre|preview|dev)/.test(rest),
  };
}
