import { readFile } from 'node:fs/promises';
import { CliError } from '../cli-error.js';
import { resolveInputFile } from './resolve-input-file.js';

export interface TextInputRequest {
  /** Words given as command arguments; joined with single spaces, as the shell split them. */
  texts: readonly string[];
  /** `-f <path>`; `-` means stdin. */
  file?: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  cwd: string;
  /** Used in the error when there is nothing to read, e.g. `tonekit readability --help`. */
  helpCommand: string;
}

export interface TextInput {
  text: string;
  /** For messages: `arguments`, `stdin` or the path as given. */
  source: string;
}

export async function readTextInput(request: TextInputRequest): Promise<TextInput> {
  if (request.texts.length > 0 && request.file !== undefined) {
    throw CliError.usage('pass the text as arguments or with --file, not both');
  }
  if (request.texts.length > 0) return { text: request.texts.join(' '), source: 'arguments' };
  if (request.file !== undefined && request.file !== '-') {
    const absolute = await resolveInputFile(request.file, request.cwd, '--file');
    return { text: stripBom(await readFile(absolute, 'utf8')), source: request.file };
  }
  // An interactive terminal would wait silently for EOF; a hint is kinder than a hang.
  if (request.file === undefined && request.stdin.isTTY) {
    throw CliError.usage(
      `no text to score: pass text as arguments, --file <path>, or pipe text on stdin (see ${request.helpCommand})`,
    );
  }
  return { text: stripBom(await readStreamText(request.stdin)), source: 'stdin' };
}

async function readStreamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  // Decoding once at the end keeps multi-byte characters split across chunks intact.
  return Buffer.concat(chunks).toString('utf8');
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
