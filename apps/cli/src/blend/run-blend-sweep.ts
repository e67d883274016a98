import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ChatMessage, LogitSource } from '@tonekit/core';
import { JsonlAppender, readJsonl, readJsonlLines } from '@tonekit/dataset';
import { type BlendOptions, blend } from '@tonekit/logit-blend';
import { CliError } from '../cli-error.js';

/** One prompt of a `--prompts` file: chat messages or a question, and the reference answer to score against. */
export interface BlendPrompt {
  id: string;
  question: string;
  messages: ChatMessage[];
  reference: string | undefined;
}

/**
 * Reads a JSONL prompt file: each line has `messages` (a chat context) or `question` (one user turn),
 * optionally `id` and `reference` — the shape of `test.jsonl` from the dialogue preparation and of
 * tonekit datasets exported to JSONL.
 */
export async function readBlendPrompts(
  file: string,
  systemPrompt: string | undefined,
): Promise<BlendPrompt[]> {
  const prompts: BlendPrompt[] = [];
  for await (const { line, value } of readJsonlLines(file)) {
    const id = value['id'] === undefined ? String(prompts.length) : String(value['id']);
    const question = value['question'];
    const messages = value['messages'];
    let chat: ChatMessage[];
    if (Array.isArray(messages)) {
      chat = messages.map((message, index) => {
        const entry = message as { role?: unknown; content?: unknown };
        if (
          (entry.role !== 'system' && entry.role !== 'user' && entry.role !== 'assistant') ||
          typeof entry.content !== 'string'
        )
          throw CliError.usage(
            `${file}:${line}: messages[${index}] needs role system|user|assistant and string content`,
          );
        return { role: entry.role, content: entry.content };
      });
    } else if (typeof question === 'string') {
      chat = [{ role: 'user', content: question }];
    } else {
      throw CliError.usage(`${file}:${line}: each prompt needs "messages" (a chat) or "question" (text)`);
    }
    if (systemPrompt !== undefined && chat[0]?.role !== 'system')
      chat = [{ role: 'system', content: systemPrompt }, ...chat];
    const reference = value['reference'] ?? value['conversational_answer'];
    prompts.push({
      id,
      question:
        typeof question === 'string'
          ? question
          : (chat.filter((m) => m.role === 'user').at(-1)?.content ?? ''),
      messages: chat,
      reference: typeof reference === 'string' ? reference : undefined,
    });
  }
  if (prompts.length === 0) throw CliError.usage(`${file}: no prompts`);
  return prompts;
}

/** `alpha-0.25.jsonl`: the file name the evaluator's `--sweep` reads back (α as JavaScript prints it). */
export function alphaFileName(alpha: number): string {
  return `alpha-${alpha}.jsonl`;
}

export interface BlendSweepProgress {
  alpha: number;
  done: number;
  total: number;
}

/**
 * Answers every prompt at every α (weights [α, 1 − α] for the two sources) and appends one line per
 * answer to `<outDir>/alpha-<α>.jsonl` as `{id, alpha, question, reference, response, finish_reason,
 * tokens}`. Rerunning skips ids already in a file, so an interrupted sweep resumes where it stopped.
 */
export async function runBlendSweep(options: {
  sources: readonly LogitSource[];
  alphas: readonly number[];
  prompts: readonly BlendPrompt[];
  outDir: string;
  blendOptions: Omit<BlendOptions, 'sources' | 'weights' | 'alpha' | 'messages' | 'prompt' | 'promptTokens'>;
  signal: AbortSignal;
  onProgress: (progress: BlendSweepProgress) => void;
}): Promise<{ files: string[]; answered: number; skipped: number }> {
  if (options.sources.length !== 2)
    throw CliError.usage(`--alphas blends exactly two models; got ${options.sources.length}`);
  await mkdir(options.outDir, { recursive: true });
  const files: string[] = [];
  let answered = 0;
  let skipped = 0;
  for (const alpha of options.alphas) {
    const file = path.join(options.outDir, alphaFileName(alpha));
    files.push(file);
    const done = existsSync(file) ? await readAnsweredIds(file) : new Set<string>();
    const appender = new JsonlAppender(await open(file, 'a'));
    try {
      let count = 0;
      for (const prompt of options.prompts) {
        if (done.has(prompt.id)) {
          skipped++;
          count++;
          continue;
        }
        options.signal.throwIfAborted();
        const result = await blend({
          ...options.blendOptions,
          sources: options.sources,
          alpha,
          messages: prompt.messages,
          abortSignal: options.signal,
        });
        await appender.append({
          id: prompt.id,
          alpha,
          question: prompt.question,
          ...(prompt.reference === undefined ? {} : { reference: prompt.reference }),
          response: result.text,
          finish_reason: result.finishReason,
          tokens: result.tokens.length,
        });
        answered++;
        count++;
        options.onProgress({ alpha, done: count, total: options.prompts.length });
      }
    } finally {
      await appender.close();
    }
  }
  return { files, answered, skipped };
}

/** Ids already answered in a (possibly crash-truncated) mix file; a torn last line is dropped. */
async function readAnsweredIds(file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8');
  if (text !== '' && !text.endsWith('\n')) {
    // A crash mid-write leaves half a line; keep the complete ones so appending stays valid JSONL.
    const kept = text.slice(0, text.lastIndexOf('\n') + 1);
    await writeFile(`${file}.tmp`, kept);
    await rename(`${file}.tmp`, file);
  }
  const ids = new Set<string>();
  for await (const row of readJsonl(file)) if (row['id'] !== undefined) ids.add(String(row['id']));
  return ids;
}
