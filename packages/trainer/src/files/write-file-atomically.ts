import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/**
 * Replaces `file` with `text` so that a reader (or a resume after a crash or power loss) sees either
 * the old content or the new one, never half a file: write a sibling temporary file in the same
 * folder (a rename across file systems would not be atomic), flush it to disk, then rename it over.
 */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
