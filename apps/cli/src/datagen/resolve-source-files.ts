import * as os from 'node:os';
import * as path from 'node:path';
import {
  createHubClient,
  downloadHubDataset,
  expandLocalPaths,
  type HubDownloadEvent,
  resolveHubCacheDir,
} from '@tonekit/dataset';

/** The paper's source: Wikipedia split into chunks (DESIGN.md §5). */
export const DEFAULT_DATAGEN_SOURCE = 'hf://datasets/ChristophSchuhmann/wikipedia-en-chunks';

/**
 * Turns `--source` into local files: a Hugging Face Hub dataset is downloaded into (or read from) the
 * shared HF cache (HF_TOKEN, HF_ENDPOINT and HF_HOME apply as in huggingface_hub); a file, folder or
 * glob is expanded in a stable order.
 */
export async function resolveSourceFiles(
  source: string,
  {
    cwd,
    env,
    offline,
    onEvent,
    abortSignal,
  }: {
    cwd: string;
    env: Record<string, string | undefined>;
    offline: boolean;
    onEvent?: (event: HubDownloadEvent) => void;
    abortSignal?: AbortSignal;
  },
): Promise<string[]> {
  if (source.startsWith('hf://')) {
    const token = env['HF_TOKEN'];
    // HF_ENDPOINT points at a mirror (or a test hub), as it does for huggingface_hub.
    const endpoint = env['HF_ENDPOINT'];
    const { files } = await downloadHubDataset(source, {
      client: createHubClient({ ...(token ? { token } : {}), ...(endpoint ? { endpoint } : {}) }),
      cacheDir: resolveHubCacheDir(env, os.homedir()),
      offline,
      ...(onEvent ? { onEvent } : {}),
      ...(abortSignal ? { abortSignal } : {}),
    });
    return files.map((file) => file.localPath);
  }
  return expandLocalPaths(path.resolve(cwd, source));
}
