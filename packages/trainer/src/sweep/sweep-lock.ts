import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { TonekitError } from '@tonekit/core';

export const sweepLockFileName = 'sweep.lock';

export interface SweepLock {
  release(): Promise<void>;
}

/**
 * Takes `<sweep>/sweep.lock` so that two `runSweep` calls on one folder (two terminals, a CLI and the
 * API) cannot train the same run twice or overwrite each other's queue state. A lock left by a process
 * that no longer exists on this host (a crash, a kill -9) is taken over; a live holder is an error.
 *
 * @throws TonekitError naming the process that holds the lock.
 */
export async function acquireSweepLock(sweepDir: string): Promise<SweepLock> {
  const file = path.join(sweepDir, sweepLockFileName);
  const owner = { pid: process.pid, hostname: hostname(), acquiredAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(file);
    if (holder === undefined && (await isFresh(file))) {
      throw new TonekitError({
        message: `${sweepDir} is being locked by another sweep right now (${file} was just created). Try again in a moment.`,
      });
    }
    if (holder !== undefined && isAlive(holder)) {
      throw new TonekitError({
        message: `${sweepDir} is in use by another sweep (pid ${holder.pid} on ${holder.hostname}, since ${holder.acquiredAt}). Wait for it to finish, or delete ${file} if that process is gone.`,
      });
    }
    await rm(file, { force: true });
  }
  throw new TonekitError({ message: `Could not take ${file}: another process keeps recreating it.` });
}

interface LockHolder {
  pid: number;
  hostname: string;
  acquiredAt: string;
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.hostname !== 'string') return undefined;
    return { pid: value.pid, hostname: value.hostname, acquiredAt: String(value.acquiredAt) };
  } catch {
    // Unreadable or half-written: its writer died between creating and filling it.
    return undefined;
  }
}

/** An unreadable lock younger than this may be one its writer is still filling in. */
const freshLockMs = 5_000;

async function isFresh(file: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(file)).mtimeMs < freshLockMs;
  } catch {
    return false;
  }
}

function isAlive(holder: LockHolder): boolean {
  // A pid means nothing on another host (a shared file system): assume it is alive there.
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
