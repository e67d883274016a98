import { access } from 'node:fs/promises';

/** Whether something exists at `file` (used to refuse overwriting results without --force). */
export async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
