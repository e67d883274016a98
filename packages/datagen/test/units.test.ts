import { describe, expect, it } from 'vitest';
import {
  cleanRephrasing,
  ExactVectorIndex,
  fillTemplate,
  normalizeVector,
  parseQuestionAnswer,
} from '../src/index.js';

describe('parseQuestionAnswer', () => {
  it('reads plain, fenced and prose-wrapped JSON', () => {
    const pair = { question: 'Why is the sky blue?', answer: 'Rayleigh scattering.' };
    expect(parseQuestionAnswer(JSON.stringify(pair))).toEqual(pair);
    expect(parseQuestionAnswer(`Sure:\n\`\`\`json\n${JSON.stringify(pair)}\n\`\`\``)).toEqual(pair);
    expect(parseQuestionAnswer(`Here you go: ${JSON.stringify(pair)} Enjoy!`)).toEqual(pair);
  });
  it('rejects missing or empty fields and non-JSON', () => {
    expect(parseQuestionAnswer('no json here')).toBeUndefined();
    expect(parseQuestionAnswer('{"question": "Q?"}')).toBeUndefined();
    expect(parseQuestionAnswer('{"question": " ", "answer": "A"}')).toBeUndefined();
    expect(parseQuestionAnswer('{"question": "Q?", "answer": ')).toBeUndefined();
  });
  it('cleans rephrasings', () => {
    expect(cleanRephrasing('  "Hi there."  ')).toBe('Hi there.');
    expect(cleanRephrasing('```\nHi.\n```')).toBe('Hi.');
  });
  it('fills templates and leaves unknown placeholders visible', () => {
    expect(fillTemplate('{a} and {b}', { a: 'x' })).toBe('x and {b}');
  });
});

describe('ExactVectorIndex', () => {
  it('finds vectors strictly above the threshold, after normalizing', () => {
    const index = new ExactVectorIndex<string>();
    index.add('a', Float32Array.from([2, 0]));
    index.add('b', Float32Array.from([0, 3]));
    expect(index.findAbove(Float32Array.from([1, 0]), 0.8)).toEqual(['a']);
    expect(index.findAbove(Float32Array.from([1, 1]), 0.8)).toEqual([]);
    // cos = 0.8 exactly is not a duplicate (strict >); use an exactly representable threshold.
    expect(index.findAbove(Float32Array.from([1, 0]), 1)).toEqual([]);
    index.delete('a');
    expect(index.size).toBe(1);
    expect(Array.from(normalizeVector(Float32Array.from([0, 0])))).toEqual([0, 0]);
  });
});
