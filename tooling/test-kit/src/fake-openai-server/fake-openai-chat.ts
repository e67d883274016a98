import { countWords } from '../count-words.js';

/** A chat message as OpenAI's API receives it; content may be a string or a list of parts. */
export interface FakeOpenAIChatMessage {
  role: string;
  content?: string | readonly { type: string; text?: string }[] | null;
  [key: string]: unknown;
}

/** The parsed body of `POST /v1/chat/completions`, validated for the fields the fake uses. */
export interface FakeOpenAIChatRequest {
  model: string;
  messages: FakeOpenAIChatMessage[];
  temperature?: number;
  top_p?: number;
  seed?: number;
  n?: number;
  stop?: string | string[] | null;
  max_tokens?: number;
  max_completion_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  response_format?:
    | { type: 'text' }
    | { type: 'json_object' }
    | { type: 'json_schema'; json_schema: { name: string; schema?: unknown; strict?: boolean } };
  [key: string]: unknown;
}

export type FakeOpenAIFinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

/** What a chat handler returns: the text, or the text with a finish reason and token counts to report instead of the fake's. */
export type FakeOpenAIChatReply =
  | string
  | {
      content: string;
      /** When set, the fake neither applies `stop` nor `max_tokens` to `content`. */
      finishReason?: FakeOpenAIFinishReason;
      usage?: { promptTokens?: number; completionTokens?: number };
    };

export interface FakeOpenAIChatContext {
  /** 0 for the first chat request that reaches a handler, then 1, 2, … */
  callIndex: number;
  /** Aborts when the client disconnects or the server closes. */
  signal: AbortSignal;
}

export type FakeOpenAIChatHandler = (
  request: FakeOpenAIChatRequest,
  context: FakeOpenAIChatContext,
) => FakeOpenAIChatReply | Promise<FakeOpenAIChatReply>;

/** The default handler: echoes the last user message's text. */
export const echoLastUserMessage: FakeOpenAIChatHandler = (request) => {
  const lastUser = request.messages.findLast((message) => message.role === 'user');
  return lastUser === undefined ? '' : messageText(lastUser);
};

export function messageText(message: FakeOpenAIChatMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
      .join(' ');
  }
  return '';
}

export interface FakeOpenAICompletion {
  content: string;
  finishReason: FakeOpenAIFinishReason;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/**
 * Applies `stop` (cut before the first stop sequence found) and `max_tokens` / `max_completion_tokens`
 * (keep that many words, finish reason `length`) to the handler's reply. Tokens are whitespace-separated
 * words: prompt tokens are the words of every message's text, completion tokens those of the answer.
 */
export function completeChat(
  request: FakeOpenAIChatRequest,
  reply: FakeOpenAIChatReply,
): FakeOpenAICompletion {
  const partial = typeof reply === 'string' ? { content: reply } : reply;
  let content = partial.content;
  let finishReason: FakeOpenAIFinishReason = 'stop';
  if (partial.finishReason === undefined) {
    const stops =
      request.stop == null ? [] : typeof request.stop === 'string' ? [request.stop] : request.stop;
    for (const stop of stops) {
      const at = stop === '' ? -1 : content.indexOf(stop);
      if (at !== -1) content = content.slice(0, at);
    }
    const limit = request.max_completion_tokens ?? request.max_tokens;
    const words = content.match(/\s*\S+/g) ?? [];
    if (limit !== undefined && words.length > limit) {
      content = words.slice(0, limit).join('');
      finishReason = 'length';
    }
  } else {
    finishReason = partial.finishReason;
  }
  const promptTokens =
    partial.usage?.promptTokens ??
    request.messages.reduce((sum, message) => sum + countWords(messageText(message)), 0);
  const completionTokens = partial.usage?.completionTokens ?? countWords(content);
  return {
    content,
    finishReason,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

/** Checks the request the way OpenAI does for the fields the fake honors; returns the error message, or undefined when valid. */
export function validateChatRequest(
  body: unknown,
  supportsJsonSchema: boolean,
): { message: string; param: string | null } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { message: 'The request body must be a JSON object.', param: null };
  const request = body as Record<string, unknown>;
  if (typeof request.model !== 'string' || request.model === '')
    return { message: "Missing required parameter: 'model'.", param: 'model' };
  if (!Array.isArray(request.messages) || request.messages.length === 0)
    return { message: "Missing required parameter: 'messages'.", param: 'messages' };
  for (const [index, message] of request.messages.entries()) {
    if (typeof message !== 'object' || message === null || typeof message.role !== 'string')
      return { message: `Invalid value for 'messages[${index}].role'.`, param: `messages[${index}].role` };
  }
  if (request.n !== undefined && request.n !== null && request.n !== 1)
    return { message: `The fake OpenAI server supports only n = 1, got ${String(request.n)}.`, param: 'n' };
  for (const name of ['max_tokens', 'max_completion_tokens']) {
    const value = request[name];
    if (value !== undefined && value !== null && !(Number.isInteger(value) && (value as number) >= 1))
      return { message: `Invalid '${name}': expected an integer >= 1.`, param: name };
  }
  const { stop } = request;
  if (
    stop !== undefined &&
    stop !== null &&
    typeof stop !== 'string' &&
    !(Array.isArray(stop) && stop.length <= 4 && stop.every((item) => typeof item === 'string'))
  )
    return { message: "Invalid 'stop': expected a string or up to 4 strings.", param: 'stop' };
  const format = request.response_format as Record<string, unknown> | undefined | null;
  if (format !== undefined && format !== null) {
    if (format.type === 'json_schema') {
      if (!supportsJsonSchema)
        return {
          message:
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
          param: 'response_format',
        };
      const schema = format.json_schema as Record<string, unknown> | undefined;
      if (typeof schema !== 'object' || schema === null || typeof schema.name !== 'string')
        return {
          message: "Missing required parameter: 'response_format.json_schema.name'.",
          param: 'response_format.json_schema.name',
        };
    } else if (format.type !== 'json_object' && format.type !== 'text') {
      return {
        message: `Invalid value for 'response_format.type': ${JSON.stringify(format.type)}. Supported values are: 'json_object', 'json_schema', and 'text'.`,
        param: 'response_format.type',
      };
    }
  }
  return undefined;
}
