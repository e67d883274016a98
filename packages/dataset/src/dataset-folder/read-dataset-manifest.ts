import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { DatasetFormatError } from '../errors/dataset-format-error.js';
import { type DatasetManifest, manifestFileName, parseDatasetManifest } from './dataset-manifest.js';

/** Reads and checks `<dir>/manifest.json`. */
export async function readDatasetManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, manifestFileName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'dir',
      value: dir,
      message: `${dir} is not a dataset folder: cannot read ${manifestFileName} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetFormatError({
      file: path,
      message: `${path} is not valid JSON: ${(error as Error).message}`,
      cause: error,
    });
  }
  return parseDatasetManifest(value, path);
}
