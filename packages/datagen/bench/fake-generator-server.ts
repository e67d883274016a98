/**
 * The benchmark's fake generator, run in its own process so that the benchmark's CPU figure is the
 * pipeline's alone. Prints `listening <url>` on stdout, then serves until stdin closes.
 *
 * Every question is unique and every rephrasing is easy, except that chunks ending in 5 need one
 * simplification.
 */
import { startFakeOpenAIServer } from '@tonekit/test-kit';

const latencyMs = Number(process.argv[2] ?? 300);
let questionCalls = 0;
const server = await startFakeOpenAIServer({
  latencyMs,
  maxRequests: 1_000_000,
  chat: (request) => {
    const prompt = request.messages.map((message) => String(message.content)).join('\n');
    if (prompt.includes('Reply with JSON only')) {
      questionCalls++;
      const id = /chunk (\d+)/.exec(prompt)?.[1] ?? String(questionCalls);
      return JSON.stringify({
        question: `What happened in chunk ${id}?`,
        answer: `Chunk ${id} describes notable events.`,
      });
    }
    if (prompt.includes('Current answer') || !/chunk (\d+)/.exec(prompt)?.[1]?.endsWith('5')) {
      return 'It was fun. We saw a lot of it.';
    }
    return 'Notwithstanding considerable historiographical disagreement, contemporaneous documentation substantiates this.';
  },
});
process.stdout.write(`listening ${server.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
