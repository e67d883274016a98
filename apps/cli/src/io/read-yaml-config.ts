import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { CliError } from '../cli-error.js';

/**
 * Reads a YAML (or JSON, which is YAML) configuration file into plain data. A missing file or a
 * syntax error is a usage error naming the flag, the file and YAML's line and column.
 */
export async function readYamlConfig(file: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw CliError.usage(
      code === 'ENOENT' ? `${flag} ${file}: no such file` : `${flag} ${file}: ${(error as Error).message}`,
      error,
    );
  }
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw CliError.usage(`${flag} ${file}: not valid YAML: ${(error as Error).message}`, error);
  }
}
