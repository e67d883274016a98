import { mkdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CancelledError } from '@tonekit/core';
import { type BuildReportOptions, buildReport } from './build-report.js';

export interface WriteReportOptions extends BuildReportOptions {
  /** Folder to write `report.html` and `images/*.svg` into; created when missing. */
  outDir: string;
  signal?: AbortSignal;
}

export interface WriteReportResult {
  /** Absolute path of `report.html`. */
  htmlPath: string;
  /** Absolute paths of the chart images, in page order. */
  imagePaths: string[];
}

/**
 * Builds the report and writes `report.html` (self-contained: open it in any browser, no server) and
 * each chart as `images/<figure id>.svg` for slides and papers. Images of an earlier report that this
 * one does not draw are left in place. The HTML is written to a temporary file and renamed, so a
 * viewer never sees half a report.
 */
export async function writeReport({
  outDir,
  signal,
  ...options
}: WriteReportOptions): Promise<WriteReportResult> {
  const report = await buildReport(options);
  const root = path.resolve(outDir);
  const imagesDir = path.join(root, 'images');
  await mkdir(imagesDir, { recursive: true });
  const imagePaths: string[] = [];
  for (const image of report.images) {
    if (signal?.aborted) throw CancelledError.fromSignal(signal);
    const file = path.join(imagesDir, `${image.name}.svg`);
    await writeFile(file, image.svg, 'utf8');
    imagePaths.push(file);
  }
  if (signal?.aborted) throw CancelledError.fromSignal(signal);
  const htmlPath = path.join(root, 'report.html');
  const temporary = `${htmlPath}.${process.pid}.tmp`;
  await writeFile(temporary, report.html, 'utf8');
  await rename(temporary, htmlPath);
  return { htmlPath, imagePaths };
}
