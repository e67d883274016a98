import { CliError } from '../cli-error.js';

/** A commander argument parser for a whole-number flag, with a usage error that names the flag. */
export function wholeNumber(flag: string, minimum: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < minimum) {
      throw CliError.usage(`${flag} ${value}: expected a whole number >= ${minimum}`);
    }
    return parsed;
  };
}
