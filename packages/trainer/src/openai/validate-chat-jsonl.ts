import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { countChatExampleTokens, loadTokenCounter } from './count-chat-example-tokens.js';
import { describeFineTuningModel, type TokenizerEncodingName } from './describe-fine-tuning-model.js';

/**
 * Problems that make OpenAI reject a chat fine-tuning file. The first kinds are the error types of
 * OpenAI's cookbook "Data preparation and analysis for chat model fine-tuning"; the others cover rules
 * of the fine-tuning guide that the cookbook does not check (tool messages, `weight`, the 10-example
 * minimum, unknown top-level keys).
 */
export type ChatJsonlErrorKind =
  /** A line is not JSON (or is blank between examples). */
  | 'invalid_json'
  /** A line is JSON but not an object. */
  | 'data_type'
  /** No non-empty `messages` list. */
  | 'missing_messages_list'
  /** A key beside `messages`, `tools`, `functions`, `parallel_tool_calls`. */
  | 'example_unrecognized_key'
  /** A message that is not an object. */
  | 'message_data_type'
  /** A message without `role`, or without `content` (allowed only beside assistant tool calls). */
  | 'message_missing_key'
  /** A key the message's role does not accept (e.g. `weight` on a user message). */
  | 'message_unrecognized_key'
  /** A role other than system, user, assistant, tool, function. */
  | 'unrecognized_role'
  /** `content` that is not a non-empty string. */
  | 'missing_content'
  /** `weight` other than 0 or 1. */
  | 'invalid_weight'
  | 'example_missing_assistant_message'
  /** Fewer examples than OpenAI's minimum of 10. */
  | 'too_few_examples';

/** Things worth knowing that OpenAI accepts. */
export type ChatJsonlWarningKind =
  | 'missing_system_message'
  | 'missing_user_message'
  /** Over the model's per-example token limit: OpenAI truncates it, cutting the end of the conversation. */
  | 'example_too_long'
  /** Every assistant message has `weight: 0`, so the example teaches nothing. */
  | 'no_trained_assistant_message'
  /** The model is not in the token-limit table; a fallback limit was used. */
  | 'token_limit_unknown';

export interface ChatJsonlIssue<Kind extends string> {
  kind: Kind;
  /** 1-based line of the file; absent for issues about the whole file. */
  line?: number;
  /** 0-based index in `messages`, for issues about one message. */
  messageIndex?: number;
  message: string;
}

/** Summary of a per-example quantity, computed as numpy does (linear interpolation between ranks). */
export interface Distribution {
  min: number;
  max: number;
  mean: number;
  median: number;
  p5: number;
  p95: number;
}

export interface ChatJsonlValidationReport {
  /** No errors: the file can be uploaded. */
  ok: boolean;
  /** Non-blank lines. */
  examples: number;
  model: string;
  encoding: TokenizerEncodingName;
  maxTokensPerExample: number;
  limitSource: 'table' | 'fallback' | 'option';
  /** At most `maxIssuesPerKind` of each kind, in file order; `errorCounts` has the full counts. */
  errors: ChatJsonlIssue<ChatJsonlErrorKind>[];
  errorCounts: Partial<Record<ChatJsonlErrorKind, number>>;
  warnings: ChatJsonlIssue<ChatJsonlWarningKind>[];
  warningCounts: Partial<Record<ChatJsonlWarningKind, number>>;
  /** Over the examples that have a valid `messages` list. */
  tokens: {
    countedExamples: number;
    messagesPerExample: Distribution;
    totalPerExample: Distribution;
    assistantPerExample: Distribution;
    examplesOverLimit: number;
  };
  /**
   * The cookbook's estimate of billed training tokens: Σ min(limit, tokens of example) per epoch, times
   * the epochs. `epochsSource` is `default` when no epochs were given and the cookbook's rule for
   * OpenAI's `auto` was applied (3 epochs, more for under 100 examples, fewer above 25,000).
   */
  billing: {
    epochs: number;
    epochsSource: 'given' | 'default';
    tokensPerEpoch: number;
    estimatedTrainingTokens: number;
  };
}

export interface ValidateChatJsonlOptions {
  /** The model to fine-tune: picks the tokenizer and the per-example token limit. */
  model: string;
  /** Epochs for the billing estimate; by default OpenAI's `auto` rule. */
  epochs?: number;
  /** Overrides the per-example token limit of `describeFineTuningModel`. */
  maxTokensPerExample?: number;
  /** Examples required. Default 10 (OpenAI's minimum for a training file); 0 for validation files. */
  minExamples?: number;
  /** Issues kept per kind in `errors` / `warnings`. Default 100. */
  maxIssuesPerKind?: number;
  signal?: AbortSignal;
}

const exampleKeys = new Set(['messages', 'tools', 'functions', 'parallel_tool_calls']);
const roleKeys: Record<string, ReadonlySet<string>> = {
  system: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  assistant: new Set(['role', 'content', 'name', 'weight', 'tool_calls', 'function_call']),
  tool: new Set(['role', 'content', 'tool_call_id', 'name']),
  function: new Set(['role', 'content', 'name']),
};
const roles = Object.keys(roleKeys);

/**
 * Checks a chat fine-tuning file (JSON Lines, one `{"messages": [...]}` conversation per line) against
 * OpenAI's rules before anything is uploaded, and measures it: tokens per example with the model's
 * tokenizer, examples over the model's limit, and the billed-token estimate. Reads a file line by
 * line, so large files do not need to fit in memory.
 *
 * @param source `{path}` of a file, or `{text}` of its content.
 */
export async function validateChatJsonl(
  source: { path: string } | { text: string },
  options: ValidateChatJsonlOptions,
): Promise<ChatJsonlValidationReport> {
  const { model, epochs, minExamples = 10, maxIssuesPerKind = 100, signal } = options;
  if (typeof model !== 'string' || model === '')
    throw new InvalidArgumentError({ argument: 'model', value: model, message: 'expected a model id.' });
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 1))
    throw new InvalidArgumentError({
      argument: 'epochs',
      value: epochs,
      message: 'expected an integer >= 1.',
    });
  const info = describeFineTuningModel(model);
  const limit = options.maxTokensPerExample ?? info.maxTokensPerExample;
  if (!(Number.isInteger(limit) && limit >= 1))
    throw new InvalidArgumentError({
      argument: 'maxTokensPerExample',
      value: limit,
      message: 'expected an integer >= 1.',
    });
  const countTokens = await loadTokenCounter(info.encoding);

  const errors: ChatJsonlIssue<ChatJsonlErrorKind>[] = [];
  const errorCounts: Partial<Record<ChatJsonlErrorKind, number>> = {};
  const warnings: ChatJsonlIssue<ChatJsonlWarningKind>[] = [];
  const warningCounts: Partial<Record<ChatJsonlWarningKind, number>> = {};
  const error = (issue: ChatJsonlIssue<ChatJsonlErrorKind>) => {
    const count = (errorCounts[issue.kind] ?? 0) + 1;
    errorCounts[issue.kind] = count;
    if (count <= maxIssuesPerKind) errors.push(issue);
  };
  const warn = (issue: ChatJsonlIssue<ChatJsonlWarningKind>) => {
    const count = (warningCounts[issue.kind] ?? 0) + 1;
    warningCounts[issue.kind] = count;
    if (count <= maxIssuesPerKind) warnings.push(issue);
  };
  if (options.maxTokensPerExample === undefined && info.limitSource === 'fallback')
    warn({
      kind: 'token_limit_unknown',
      message: `No per-example token limit is known for ${model}; assuming ${limit} tokens.`,
    });

  const messageCounts: number[] = [];
  const totals: number[] = [];
  const assistants: number[] = [];
  let examples = 0;
  let overLimit = 0;
  let pendingBlankLines: number[] = [];

  const checkExample = (text: string, line: number) => {
    let example: unknown;
    try {
      example = JSON.parse(text);
    } catch (cause) {
      error({
        kind: 'invalid_json',
        line,
        message: `line ${line}: not valid JSON (${(cause as Error).message}).`,
      });
      return;
    }
    if (!isPlainObject(example)) {
      error({ kind: 'data_type', line, message: `line ${line}: expected a JSON object.` });
      return;
    }
    const { messages } = example;
    if (!Array.isArray(messages) || messages.length === 0) {
      const keys = Object.keys(example).filter((key) => key !== 'messages');
      error({
        kind: 'missing_messages_list',
        line,
        message: `line ${line}: no non-empty 'messages' list${keys.length === 0 ? '' : ` (found ${keys.map((key) => `'${key}'`).join(', ')})`}.`,
      });
      return;
    }
    // Checked only beside a messages list: a line of another format gets one error, not one per key.
    for (const key of Object.keys(example)) {
      if (!exampleKeys.has(key))
        error({
          kind: 'example_unrecognized_key',
          line,
          message: `line ${line}: unrecognized key '${key}' (expected 'messages' and optionally 'tools', 'functions', 'parallel_tool_calls').`,
        });
    }
    let valid = true;
    for (const [messageIndex, message] of messages.entries()) {
      const where = `line ${line}, message ${messageIndex}`;
      if (!isPlainObject(message)) {
        error({ kind: 'message_data_type', line, messageIndex, message: `${where}: expected an object.` });
        valid = false;
        continue;
      }
      const { role } = message;
      const hasToolCalls =
        role === 'assistant' &&
        ((Array.isArray(message.tool_calls) && message.tool_calls.length > 0) ||
          isPlainObject(message.function_call));
      if (!('role' in message)) {
        error({ kind: 'message_missing_key', line, messageIndex, message: `${where}: missing 'role'.` });
      } else if (typeof role !== 'string' || !roles.includes(role)) {
        error({
          kind: 'unrecognized_role',
          line,
          messageIndex,
          message: `${where}: role ${JSON.stringify(role)} is not one of ${roles.join(', ')}.`,
        });
      }
      const allowed = typeof role === 'string' ? roleKeys[role] : undefined;
      for (const key of Object.keys(message)) {
        if (key !== 'role' && key !== 'content' && allowed !== undefined && !allowed.has(key))
          error({
            kind: 'message_unrecognized_key',
            line,
            messageIndex,
            message: `${where}: key '${key}' is not accepted on ${role} messages.`,
          });
      }
      if (!('content' in message)) {
        if (!hasToolCalls)
          error({ kind: 'message_missing_key', line, messageIndex, message: `${where}: missing 'content'.` });
      } else if (!(typeof message.content === 'string' && message.content.trim() !== '')) {
        const emptyBesideToolCalls = hasToolCalls && (message.content === null || message.content === '');
        if (!emptyBesideToolCalls)
          error({
            kind: 'missing_content',
            line,
            messageIndex,
            message: `${where}: 'content' must be a non-empty string, got ${describe(message.content)}.`,
          });
      }
      if ('weight' in message && role === 'assistant' && message.weight !== 0 && message.weight !== 1)
        error({
          kind: 'invalid_weight',
          line,
          messageIndex,
          message: `${where}: 'weight' must be 0 or 1, got ${JSON.stringify(message.weight)}.`,
        });
    }
    const objects = messages.filter(isPlainObject);
    const assistantMessages = objects.filter((message) => message.role === 'assistant');
    if (assistantMessages.length === 0) {
      error({
        kind: 'example_missing_assistant_message',
        line,
        message: `line ${line}: no assistant message to learn from.`,
      });
    } else if (assistantMessages.every((message) => message.weight === 0)) {
      warn({
        kind: 'no_trained_assistant_message',
        line,
        message: `line ${line}: every assistant message has weight 0, so the example trains nothing.`,
      });
    }
    if (!objects.some((message) => message.role === 'system'))
      warn({ kind: 'missing_system_message', line, message: `line ${line}: no system message.` });
    if (!objects.some((message) => message.role === 'user'))
      warn({ kind: 'missing_user_message', line, message: `line ${line}: no user message.` });
    if (!valid) return;
    const tokens = countChatExampleTokens(objects, countTokens);
    messageCounts.push(messages.length);
    totals.push(tokens.total);
    assistants.push(tokens.assistant);
    if (tokens.total > limit) {
      overLimit++;
      warn({
        kind: 'example_too_long',
        line,
        message: `line ${line}: ${tokens.total} tokens, over the ${limit}-token limit of ${model}; OpenAI truncates it.`,
      });
    }
  };

  let lineNumber = 0;
  const onLine = (text: string) => {
    lineNumber++;
    if (text.trim() === '') {
      // Blank lines are an error only between examples; trailing ones are dropped.
      pendingBlankLines.push(lineNumber);
      return;
    }
    for (const blank of pendingBlankLines)
      error({ kind: 'invalid_json', line: blank, message: `line ${blank}: blank line between examples.` });
    pendingBlankLines = [];
    examples++;
    checkExample(text, lineNumber);
  };

  if ('text' in source) {
    const lines = source.text.split(/\r?\n/);
    // A final newline ends the last line; it does not start an empty one.
    if (lines.at(-1) === '') lines.pop();
    for (const text of lines) {
      if (signal?.aborted) throw CancelledError.fromSignal(signal);
      onLine(text);
    }
  } else {
    const stream = createReadStream(source.path, { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const text of lines) {
        if (signal?.aborted) throw CancelledError.fromSignal(signal);
        onLine(text);
      }
    } finally {
      lines.close();
      stream.destroy();
    }
  }

  if (examples < minExamples)
    error({
      kind: 'too_few_examples',
      message: `${examples} example(s); OpenAI requires at least ${minExamples}.`,
    });

  const resolvedEpochs = epochs ?? defaultEpochs(examples);
  const tokensPerEpoch = totals.reduce((sum, total) => sum + Math.min(limit, total), 0);
  return {
    ok: errors.length === 0,
    examples,
    model,
    encoding: info.encoding,
    maxTokensPerExample: limit,
    limitSource: options.maxTokensPerExample === undefined ? info.limitSource : 'option',
    errors,
    errorCounts,
    warnings,
    warningCounts,
    tokens: {
      countedExamples: totals.length,
      messagesPerExample: distribution(messageCounts),
      totalPerExample: distribution(totals),
      assistantPerExample: distribution(assistants),
      examplesOverLimit: overLimit,
    },
    billing: {
      epochs: resolvedEpochs,
      epochsSource: epochs === undefined ? 'default' : 'given',
      tokensPerEpoch,
      estimatedTrainingTokens: resolvedEpochs * tokensPerEpoch,
    },
  };
}

/**
 * One line per kind: `missing_content ×2 (lines 3, 7)`. For error messages and logs; the report has
 * every detail.
 */
export function summarizeChatJsonlIssues(
  counts: Partial<Record<string, number>>,
  issues: readonly ChatJsonlIssue<string>[],
  maxLinesPerKind = 5,
): string {
  return Object.entries(counts)
    .map(([kind, count]) => {
      const lines = [
        ...new Set(
          issues.filter((issue) => issue.kind === kind && issue.line !== undefined).map((i) => i.line),
        ),
      ];
      const shown = lines.slice(0, maxLinesPerKind).join(', ');
      const more = lines.length > maxLinesPerKind || (count ?? 0) > issues.length ? ', …' : '';
      const first = issues.find((issue) => issue.kind === kind)?.message;
      return lines.length === 0
        ? `${kind} ×${count}${first === undefined ? '' : `: ${first}`}`
        : `${kind} ×${count} (line${lines.length === 1 ? '' : 's'} ${shown}${more}; first: ${first})`;
    })
    .join('\n');
}

/** The cookbook's estimate of OpenAI's `n_epochs: 'auto'`. */
function defaultEpochs(examples: number): number {
  const target = 3;
  if (examples === 0) return target;
  if (examples * target < 100) return Math.min(25, Math.floor(100 / examples));
  if (examples * target > 25_000) return Math.max(1, Math.floor(25_000 / examples));
  return target;
}

function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { min: 0, max: 0, mean: 0, median: 0, p5: 0, p95: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const quantile = (q: number) => {
    const position = q * (sorted.length - 1);
    const low = Math.floor(position);
    const high = Math.min(sorted.length - 1, low + 1);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  };
  return {
    min: sorted[0]!,
    max: sorted.at(-1)!,
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    median: quantile(0.5),
    p5: quantile(0.05),
    p95: quantile(0.95),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'only whitespace';
  if (Array.isArray(value)) return 'a list (content parts are not accepted here)';
  return JSON.stringify(value);
}
