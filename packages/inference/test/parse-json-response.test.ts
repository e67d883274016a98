import { InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { parseJsonResponse } from '../src/index.js';

describe('parseJsonResponse', () => {
  it('parses bare JSON, objects and arrays', () => {
    expect(parseJsonResponse('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonResponse('  [1, 2]\n')).toEqual([1, 2]);
    expect(parseJsonResponse('"just a string"')).toBe('just a string');
  });

  it('strips Markdown fences with or without a language', () => {
    expect(parseJsonResponse('```json\n{"question": "Why?"}\n```')).toEqual({ question: 'Why?' });
    expect(parseJsonResponse('Sure:\n```\n[{"x": true}]\n```\nDone.')).toEqual([{ x: true }]);
  });

  it('drops prose before and after the value', () => {
    expect(parseJsonResponse('Here is the JSON: {"a": {"b": [1]}} Hope this helps!')).toEqual({
      a: { b: [1] },
    });
  });

  it('keeps braces inside strings intact', () => {
    expect(parseJsonResponse('{"text": "a } b {"}')).toEqual({ text: 'a } b {' });
  });

  it('does not repair invalid JSON', () => {
    expect(() => parseJsonResponse('{"a": 1,}')).toThrow(InvalidArgumentError);
    expect(() => parseJsonResponse('{"a": "trunc')).toThrow(/no JSON value/);
    expect(() => parseJsonResponse('no json here')).toThrow(/no JSON value/);
    try {
      parseJsonResponse("{'a': 1}");
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidArgumentError).argument).toBe('text');
      expect((error as InvalidArgumentError).cause).toBeInstanceOf(SyntaxError);
    }
  });
});
