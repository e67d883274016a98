/** The last `limit` lines of a stream, for error messages (a crashed worker's traceback sits at the end). */
export class LineTail {
  readonly #lines: string[] = [];
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#limit) this.#lines.splice(0, this.#lines.length - this.#limit);
  }

  toString(): string {
    return this.#lines.join('\n');
  }
}
