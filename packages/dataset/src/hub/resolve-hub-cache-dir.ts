import * as path from 'node:path';

/** The environment variables huggingface_hub reads to place its cache. */
export interface HubCacheEnvironment {
  HF_HUB_CACHE?: string | undefined;
  /** The older name of HF_HUB_CACHE, still honored by huggingface_hub. */
  HUGGINGFACE_HUB_CACHE?: string | undefined;
  HF_HOME?: string | undefined;
  XDG_CACHE_HOME?: string | undefined;
}

/**
 * The cache folder huggingface_hub would use: `HF_HUB_CACHE`, else `$HF_HOME/hub`, else
 * `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
 *
 * Libraries never read `process.env`; an app calls `resolveHubCacheDir(process.env, os.homedir())` and
 * passes the result as `cacheDir`, so tonekit and Python share one cache.
 */
export function resolveHubCacheDir(env: HubCacheEnvironment, homeDir: string): string {
  const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const expand = (value: string) =>
    value === '~' || value.startsWith('~/') ? path.join(homeDir, value.slice(1)) : value;
  const hubCache = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE);
  if (hubCache !== undefined) return expand(hubCache);
  const hfHome = nonEmpty(env.HF_HOME);
  if (hfHome !== undefined) return path.join(expand(hfHome), 'hub');
  const xdgCache = nonEmpty(env.XDG_CACHE_HOME);
  return path.join(
    xdgCache === undefined ? path.join(homeDir, '.cache') : expand(xdgCache),
    'huggingface',
    'hub',
  );
}
