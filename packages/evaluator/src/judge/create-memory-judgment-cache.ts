import type { CachedJudgment, JudgmentCache } from './judgment-cache.js';

/** A judgment cache held in memory, for one process: reruns in the same process pay nothing. */
export interface MemoryJudgmentCache extends JudgmentCache {
  readonly size: number;
}

export function createMemoryJudgmentCache(): MemoryJudgmentCache {
  const entries = new Map<string, CachedJudgment>();
  return {
    get size() {
      return entries.size;
    },
    async get(key) {
      const entry = entries.get(key);
      return entry === undefined ? undefined : { ...entry };
    },
    async set(key, judgment) {
      entries.set(key, { ...judgment });
    },
  };
}
