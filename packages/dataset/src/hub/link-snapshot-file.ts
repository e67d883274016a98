import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, symlink } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Points `snapshots/<sha>/<path>` at `blobs/<etag>` with a relative symlink, as huggingface_hub does, so
 * the cache can be moved as a whole. Where symlinks are not allowed (Windows without developer mode),
 * copies the blob instead, which is huggingface_hub's fallback too. Replaces atomically: a reader sees
 * the old entry or the new one, never none.
 */
export async function linkSnapshotFile(blobPath: string, localPath: string): Promise<void> {
  const directory = path.dirname(localPath);
  await mkdir(directory, { recursive: true });
  const temporaryPath = path.join(
    directory,
    `.${path.basename(localPath)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    try {
      await symlink(path.relative(directory, blobPath), temporaryPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
      await copyFile(blobPath, temporaryPath);
    }
    await rename(temporaryPath, localPath);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
}
