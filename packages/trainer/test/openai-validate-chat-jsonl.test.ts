import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countChatExampleTokens } from '../src/openai/count-chat-example-tokens.js';
import { describeFineTuningModel } from '../src/openai/describe-fine-tuning-model.js';
import { summarizeChatJsonlIssues, validateChatJsonl } from '../src/openai/validate-chat-jsonl.js';

const model = 'gpt-4o-mini-2024-07-18';

const good = (index: number) => ({
  messages: [
    { role: 'system', content: 'Be conversational.' },
    { role: 'user', content: `Question number ${index}?` },
    { role: 'assistant', content: `Answer number ${index}.` },
  ],
});

/** Ten valid examples with `replace` swapped in at the given 0-based indexes (so line = index + 1). */
function file(replace: Record<number, unknown> = {}, count = 10): string {
  return Array.from({ length: count }, (_, index) =>
    index in replace
      ? typeof replace[index] === 'string'
        ? (replace[index] as string)
        : JSON.stringify(replace[index])
      : JSON.stringify(good(index)),
  )
    .map((line) => `${line}\n`)
    .join('');
}

const validate = (text: string, options: Partial<Parameters<typeof validateChatJsonl>[1]> = {}) =>
  validateChatJsonl({ text }, { model, ...options });

describe('validateChatJsonl: format rules', () => {
  it('accepts a well-formed file and reports no errors or warnings', async () => {
    const report = await validate(file());
    expect(report.ok).toBe(true);
    expect(report.examples).toBe(10);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.encoding).toBe('o200k_base');
    expect(report.maxTokensPerExample).toBe(65_536);
    expect(report.limitSource).toBe('table');
  });

  const cases: [string, Record<number, unknown>, string, number | undefined][] = [
    ['invalid_json', { 2: '{"messages": [' }, 'not valid JSON', undefined],
    ['data_type', { 2: [1, 2] }, 'expected a JSON object', undefined],
    ['missing_messages_list', { 2: { messages: [] } }, "no non-empty 'messages' list", undefined],
    [
      'missing_messages_list',
      { 2: { prompt: 'x', completion: 'y' } },
      "no non-empty 'messages' list",
      undefined,
    ],
    ['example_unrecognized_key', { 2: { ...good(2), id: 7 } }, "unrecognized key 'id'", undefined],
    [
      'message_data_type',
      { 2: { messages: ['hello', { role: 'assistant', content: 'x' }] } },
      'expected an object',
      0,
    ],
    [
      'message_missing_key',
      { 2: { messages: [{ content: 'hi' }, { role: 'assistant', content: 'x' }] } },
      "missing 'role'",
      0,
    ],
    [
      'message_missing_key',
      { 2: { messages: [{ role: 'user' }, { role: 'assistant', content: 'x' }] } },
      "missing 'content'",
      0,
    ],
    [
      'message_unrecognized_key',
      {
        2: {
          messages: [
            { role: 'user', content: 'q', weight: 1 },
            { role: 'assistant', content: 'x' },
          ],
        },
      },
      "key 'weight' is not accepted on user messages",
      0,
    ],
    [
      'message_unrecognized_key',
      {
        2: {
          messages: [
            { role: 'user', content: 'q' },
            { role: 'assistant', content: 'x', mood: 'happy' },
          ],
        },
      },
      "key 'mood'",
      1,
    ],
    [
      'unrecognized_role',
      {
        2: {
          messages: [
            { role: 'bot', content: 'q' },
            { role: 'assistant', content: 'x' },
          ],
        },
      },
      'role "bot" is not one of system, user, assistant, tool, function',
      0,
    ],
    [
      'missing_content',
      {
        2: {
          messages: [
            { role: 'user', content: '' },
            { role: 'assistant', content: 'x' },
          ],
        },
      },
      'an empty string',
      0,
    ],
    [
      'missing_content',
      {
        2: {
          messages: [
            { role: 'user', content: '  \n' },
            { role: 'assistant', content: 'x' },
          ],
        },
      },
      'only whitespace',
      0,
    ],
    [
      'missing_content',
      {
        2: {
          messages: [
            { role: 'user', content: 42 },
            { role: 'assistant', content: 'x' },
          ],
        },
      },
      'got 42',
      0,
    ],
    [
      'missing_content',
      {
        2: {
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'q' }] },
            { role: 'assistant', content: 'x' },
          ],
        },
      },
      'a list',
      0,
    ],
    [
      'invalid_weight',
      {
        2: {
          messages: [
            { role: 'user', content: 'q' },
            { role: 'assistant', content: 'x', weight: 0.5 },
          ],
        },
      },
      "'weight' must be 0 or 1",
      1,
    ],
    [
      'example_missing_assistant_message',
      {
        2: {
          messages: [
            { role: 'system', content: 's' },
            { role: 'user', content: 'q' },
          ],
        },
      },
      'no assistant message',
      undefined,
    ],
  ];

  it.each(cases)('reports %s on the offending line (%#)', async (kind, replace, text, messageIndex) => {
    const report = await validate(file(replace));
    expect(report.ok).toBe(false);
    expect(report.errorCounts).toEqual({ [kind]: 1 });
    expect(report.errors).toHaveLength(1);
    const [issue] = report.errors;
    expect(issue!.kind).toBe(kind);
    expect(issue!.line).toBe(3);
    expect(issue!.messageIndex).toBe(messageIndex);
    expect(issue!.message).toContain(text);
    expect(issue!.message.startsWith('line 3')).toBe(true);
  });

  it('accepts weight 0/1 on assistant messages, tool messages, and assistant tool calls without content', async () => {
    const toolCall = {
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '21 C' },
        { role: 'assistant', content: 'It is 21 degrees.', weight: 1 },
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
    };
    const weighted = {
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a first try', weight: 0 },
        { role: 'user', content: 'again' },
        { role: 'assistant', content: 'a better answer', weight: 1 },
      ],
    };
    const report = await validate(file({ 0: toolCall, 1: weighted }));
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('counts every problem of a file, one per message, and keeps the line numbers', async () => {
    const report = await validate(
      file({
        1: {
          messages: [
            { role: 'user', content: '' },
            { role: 'assistant', content: '' },
          ],
        },
        4: {
          messages: [
            { role: 'robot', content: 'q' },
            { role: 'assistant', content: 'x' },
          ],
        },
        7: 'nope',
      }),
    );
    expect(report.errorCounts).toEqual({ missing_content: 2, unrecognized_role: 1, invalid_json: 1 });
    expect(report.errors.map((issue) => [issue.kind, issue.line])).toEqual([
      ['missing_content', 2],
      ['missing_content', 2],
      ['unrecognized_role', 5],
      ['invalid_json', 8],
    ]);
    expect(summarizeChatJsonlIssues(report.errorCounts, report.errors)).toBe(
      [
        "missing_content ×2 (line 2; first: line 2, message 0: 'content' must be a non-empty string, got an empty string.)",
        'unrecognized_role ×1 (line 5; first: line 5, message 0: role "robot" is not one of system, user, assistant, tool, function.)',
        `invalid_json ×1 (line 8; first: ${report.errors[3]!.message})`,
      ].join('\n'),
    );
  });

  it('requires 10 examples (OpenAI’s minimum), configurable for validation files', async () => {
    const nine = await validate(file({}, 9));
    expect(nine.ok).toBe(false);
    expect(nine.errorCounts).toEqual({ too_few_examples: 1 });
    expect(nine.errors[0]!.message).toBe('9 example(s); OpenAI requires at least 10.');
    expect(nine.errors[0]!.line).toBeUndefined();
    expect((await validate(file({}, 10))).ok).toBe(true);
    expect((await validate(file({}, 2), { minExamples: 1 })).ok).toBe(true);
  });

  it('rejects blank lines between examples but ignores trailing ones and CRLF line ends', async () => {
    const lines = file().split('\n').slice(0, -1);
    const blankInside = [...lines.slice(0, 4), '', ...lines.slice(4)].join('\n');
    const inside = await validate(`${blankInside}\n`);
    expect(inside.errors.map((issue) => [issue.kind, issue.line])).toEqual([['invalid_json', 5]]);
    expect(inside.examples).toBe(10);
    const trailing = await validate(`${lines.join('\r\n')}\r\n\r\n\n`);
    expect(trailing.ok).toBe(true);
    expect(trailing.examples).toBe(10);
  });

  it('warns about examples without a system or user message and about untrained examples', async () => {
    const report = await validate(
      file({
        3: {
          messages: [
            { role: 'user', content: 'q' },
            { role: 'assistant', content: 'a' },
          ],
        },
        6: {
          messages: [
            { role: 'system', content: 's' },
            { role: 'assistant', content: 'a' },
          ],
        },
        8: {
          messages: [
            { role: 'system', content: 's' },
            { role: 'user', content: 'q' },
            { role: 'assistant', content: 'a', weight: 0 },
          ],
        },
      }),
    );
    expect(report.ok).toBe(true);
    expect(report.warningCounts).toEqual({
      missing_system_message: 1,
      missing_user_message: 1,
      no_trained_assistant_message: 1,
    });
    expect(report.warnings.map((issue) => [issue.kind, issue.line])).toEqual([
      ['missing_system_message', 4],
      ['missing_user_message', 7],
      ['no_trained_assistant_message', 9],
    ]);
  });

  it('reads files line by line and honors the signal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tonekit-validate-'));
    try {
      const path = join(dir, 'train.jsonl');
      await writeFile(path, file({ 5: { messages: [{ role: 'user', content: 'q' }] } }));
      const report = await validateChatJsonl({ path }, { model });
      expect(report.errors.map((issue) => [issue.kind, issue.line])).toEqual([
        ['example_missing_assistant_message', 6],
      ]);
      const controller = new AbortController();
      controller.abort();
      await expect(validateChatJsonl({ path }, { model, signal: controller.signal })).rejects.toMatchObject({
        name: 'CancelledError',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a missing model and bad numbers with InvalidArgumentError', async () => {
    await expect(validateChatJsonl({ text: file() }, { model: '' })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(validate(file(), { epochs: 0 })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(validate(file(), { maxTokensPerExample: 1.5 })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
  });
});

describe('validateChatJsonl: tokens and limits', () => {
  it('counts tokens as the cookbook does: 3 per message + its values, 1 more per name, 3 to prime the reply', () => {
    // Each of these is a single token in both encodings, and "hello world" is two.
    for (const count of [countCl100k, countO200k]) {
      expect(['system', 'user', 'assistant', 'Ann'].map((text) => count(text))).toEqual([1, 1, 1, 1]);
      expect(count('hello world')).toBe(2);
    }
    const messages = [
      { role: 'system', content: 'hello world' },
      { role: 'user', content: 'hello world', name: 'Ann' },
      { role: 'assistant', content: 'hello world', weight: 1 },
    ];
    // 3 + (3 + 1 + 2) + (3 + 1 + 2 + 1 + 1) + (3 + 1 + 2) = 23; weight is not text.
    expect(countChatExampleTokens(messages, countO200k)).toEqual({ total: 23, assistant: 2 });
    expect(countChatExampleTokens(messages, countCl100k)).toEqual({ total: 23, assistant: 2 });
  });

  it('reports per-example token distributions with the model’s encoding', async () => {
    const text = file();
    const report = await validate(text);
    const expected = text
      .trim()
      .split('\n')
      .map((line) => {
        const { messages } = JSON.parse(line) as { messages: { role: string; content: string }[] };
        return 3 + messages.reduce((sum, m) => sum + 3 + countO200k(m.role) + countO200k(m.content), 0);
      });
    const sorted = [...expected].sort((a, b) => a - b);
    expect(report.tokens.countedExamples).toBe(10);
    expect(report.tokens.totalPerExample.min).toBe(sorted[0]);
    expect(report.tokens.totalPerExample.max).toBe(sorted[9]);
    expect(report.tokens.totalPerExample.mean).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 10, 12);
    expect(report.tokens.messagesPerExample).toEqual({ min: 3, max: 3, mean: 3, median: 3, p5: 3, p95: 3 });
    expect(report.billing).toEqual({
      epochs: 10,
      epochsSource: 'default',
      tokensPerEpoch: expected.reduce((a, b) => a + b, 0),
      estimatedTrainingTokens: 10 * expected.reduce((a, b) => a + b, 0),
    });
    // Interpolated percentiles, as numpy computes them.
    const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110];
    const spread = await validate(
      values
        .map((n) =>
          JSON.stringify({
            messages: [
              { role: 'user', content: 'q' },
              { role: 'assistant', content: 'word '.repeat(n).trim() },
            ],
          }),
        )
        .join('\n'),
    );
    const assistant = spread.tokens.assistantPerExample;
    expect(assistant.min).toBe(countO200k('word '.repeat(10).trim()));
    expect(assistant.median).toBe(countO200k('word '.repeat(60).trim()));
  });

  it('uses cl100k_base for older models and o200k_base for gpt-4o and later, which tokenize differently', async () => {
    const text = 'Ünïcödé façade — naïve coöperation 🤖🤖 résumé';
    const line = JSON.stringify({
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: text },
      ],
    });
    expect(countCl100k(text)).not.toBe(countO200k(text));
    const old = await validateChatJsonl({ text: line }, { model: 'gpt-3.5-turbo-0125', minExamples: 1 });
    const current = await validateChatJsonl({ text: line }, { model: 'gpt-4o-2024-08-06', minExamples: 1 });
    expect(old.encoding).toBe('cl100k_base');
    expect(current.encoding).toBe('o200k_base');
    expect(old.tokens.assistantPerExample.max).toBe(countCl100k(text));
    expect(current.tokens.assistantPerExample.max).toBe(countO200k(text));
  });

  it('knows the per-example limits of the fine-tuning guide, through aliases and ft: ids, with a flagged fallback', () => {
    const limits = (id: string) => {
      const info = describeFineTuningModel(id);
      return [info.baseModel, info.encoding, info.maxTokensPerExample, info.limitSource];
    };
    expect(limits('gpt-4o-mini-2024-07-18')).toEqual([
      'gpt-4o-mini-2024-07-18',
      'o200k_base',
      65_536,
      'table',
    ]);
    expect(limits('gpt-4o-mini')).toEqual(['gpt-4o-mini', 'o200k_base', 65_536, 'table']);
    expect(limits('gpt-4o-2024-08-06')).toEqual(['gpt-4o-2024-08-06', 'o200k_base', 65_536, 'table']);
    expect(limits('gpt-3.5-turbo-0125')).toEqual(['gpt-3.5-turbo-0125', 'cl100k_base', 16_385, 'table']);
    expect(limits('gpt-3.5-turbo-0613')).toEqual(['gpt-3.5-turbo-0613', 'cl100k_base', 4_096, 'table']);
    expect(limits('gpt-3.5-turbo')).toEqual(['gpt-3.5-turbo', 'cl100k_base', 16_385, 'table']);
    expect(limits('gpt-4-0613')).toEqual(['gpt-4-0613', 'cl100k_base', 8_192, 'table']);
    expect(limits('davinci-002')).toEqual(['davinci-002', 'cl100k_base', 16_384, 'table']);
    expect(limits('ft:gpt-4o-mini-2024-07-18:acme:tone:abc123')).toEqual([
      'gpt-4o-mini-2024-07-18',
      'o200k_base',
      65_536,
      'table',
    ]);
    expect(limits('gpt-4.1-2025-04-14')).toEqual(['gpt-4.1-2025-04-14', 'o200k_base', 65_536, 'fallback']);
    expect(limits('some-local-model')).toEqual(['some-local-model', 'cl100k_base', 16_385, 'fallback']);
  });

  it('warns about examples over the model’s limit and bills them at the limit', async () => {
    // About 5,000 tokens: over gpt-3.5-turbo-0613's 4,096, under gpt-3.5-turbo-0125's 16,385.
    const long = 'word '.repeat(5000).trim();
    const longExample = {
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: long },
      ],
    };
    const text = file({ 4: longExample });
    const longTokens = countChatExampleTokens(longExample.messages, countCl100k).total;
    expect(longTokens).toBeGreaterThan(4_096);

    const old = await validate(text, { model: 'gpt-3.5-turbo-0613', epochs: 5 });
    expect(old.ok).toBe(true);
    expect(old.warningCounts).toEqual({ example_too_long: 1, missing_system_message: 1 });
    const warning = old.warnings.find((issue) => issue.kind === 'example_too_long')!;
    expect(warning.line).toBe(5);
    expect(warning.message).toBe(
      `line 5: ${longTokens} tokens, over the 4096-token limit of gpt-3.5-turbo-0613; OpenAI truncates it.`,
    );
    expect(old.tokens.examplesOverLimit).toBe(1);
    const others = old.tokens.totalPerExample.mean * 10 - longTokens;
    expect(old.billing.tokensPerEpoch).toBe(others + 4_096);
    expect(old.billing.estimatedTrainingTokens).toBe(5 * (others + 4_096));
    expect(old.billing.epochsSource).toBe('given');

    const newer = await validate(text, { model: 'gpt-3.5-turbo-0125', epochs: 5 });
    expect(newer.tokens.examplesOverLimit).toBe(0);
    expect(newer.billing.tokensPerEpoch).toBe(others + longTokens);

    const tight = await validate(file(), { maxTokensPerExample: 5 });
    expect(tight.limitSource).toBe('option');
    expect(tight.tokens.examplesOverLimit).toBe(10);
    expect(tight.billing.tokensPerEpoch).toBe(50);
  });

  it('flags a model without a known limit', async () => {
    const report = await validate(file(), { model: 'gpt-4.1-mini-2025-04-14' });
    expect(report.limitSource).toBe('fallback');
    expect(report.warningCounts).toEqual({ token_limit_unknown: 1 });
    expect(report.ok).toBe(true);
  });

  it('applies the cookbook’s default-epochs rule when no epochs are given', async () => {
    // 10 examples: 10 × 3 < 100, so 100 // 10 = 10 epochs.
    expect((await validate(file())).billing.epochs).toBe(10);
    expect((await validate(file({}, 40))).billing.epochs).toBe(3);
  });
});
