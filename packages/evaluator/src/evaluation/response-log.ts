import { open, readFile, truncate } from 'node:fs/promises';
import { InvalidArgumentError, type TokenUsage } from '@tonekit/core';
import { JsonlAppender } from '@tonekit/dataset';

/** One generated response, as logged the moment it came back. */
export interface LoggedResponse {
  id: string;
  response: string;
  finishReason: string;
  usage: TokenUsage;
  at: string;
}

interface LogHeader {
  kind: 'header';
  config: Record<string, unknown>;
}

/**
 * `responses.jsonl`: an append-only log of generated responses, so an evaluation run killed at any
 * moment resumes without paying for a response again. The header holds the generation settings; a
 * resume with different settings is refused, naming the keys, before anything is written. A torn last
 * line is cut off. Lines finishing together share one write.
 */
export class ResponseLog {
  readonly responses: Map<string, LoggedResponse>;
  readonly resumed: boolean;
  #appender: JsonlAppender;

  private constructor(
    handle: Awaited<ReturnType<typeof open>>,
    responses: Map<string, LoggedResponse>,
    resumed: boolean,
  ) {
    this.#appender = new JsonlAppender(handle);
    this.responses = responses;
    this.resumed = resumed;
  }

  static async open(path: string, config: Record<string, unknown>, resume: boolean): Promise<ResponseLog> {
    let content: string | undefined;
    try {
      content = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const responses = new Map<string, LoggedResponse>();
    if (content !== undefined && content.length > 0) {
      if (!resume) {
        throw new InvalidArgumentError({
          argument: 'resume',
          message: `${path} already holds responses; resume, or choose another output folder.`,
        });
      }
      // The last element is '' after a final newline, or a torn line without one: drop it either way.
      const complete = content.split('\n').slice(0, -1);
      const header = JSON.parse(complete[0] ?? '{}') as LogHeader;
      const differing = Object.keys({ ...header.config, ...config }).filter(
        (key) => JSON.stringify(header.config?.[key]) !== JSON.stringify(config[key]),
      );
      if (header.kind !== 'header' || differing.length > 0) {
        throw new InvalidArgumentError({
          argument: 'config',
          message: `${path} was made with other settings (${differing.join(', ') || 'no header'}); use another output folder or the same settings.`,
        });
      }
      for (const line of complete.slice(1)) {
        try {
          const logged = JSON.parse(line) as LoggedResponse;
          responses.set(logged.id, logged);
        } catch {
          // A corrupt line can only come from a torn write; that response is generated again.
        }
      }
      if (!content.endsWith('\n')) {
        await truncate(path, Buffer.byteLength(complete.map((line) => `${line}\n`).join('')));
      }
    }
    const handle = await open(path, 'a');
    if (content === undefined || content.length === 0) {
      await handle.write(`${JSON.stringify({ kind: 'header', config } satisfies LogHeader)}\n`);
    }
    return new ResponseLog(handle, responses, responses.size > 0);
  }

  append(response: LoggedResponse): Promise<void> {
    this.responses.set(response.id, response);
    return this.#appender.append(response);
  }

  close(): Promise<void> {
    return this.#appender.close();
  }
}
