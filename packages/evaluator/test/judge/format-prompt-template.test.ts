import { InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { formatPromptTemplate } from '../../src/judge/format-prompt-template.js';

describe('formatPromptTemplate (Python str.format for named fields)', () => {
  it('fills named fields and keeps values verbatim, braces and $ patterns included', () => {
    expect(
      formatPromptTemplate('[Question]\n{question}\n\n[Answer]\n{answer}', {
        question: 'What is {x}?',
        answer: "$& and $1 and {{y}} and '}'",
      }),
    ).toBe("[Question]\nWhat is {x}?\n\n[Answer]\n$& and $1 and {{y}} and '}'");
  });

  it('turns doubled braces into literal ones and ignores unused values', () => {
    expect(formatPromptTemplate('{{literal}} {a}}} {{{a}', { a: 'A', unused: 'U' })).toBe('{literal} A} {A');
  });

  // Python raises for the first four; the last three are str.format features MT-Bench's templates do
  // not use, refused rather than half-implemented.
  it.each([
    ['missing field', '{missing}'],
    ['single closing brace', 'a } b'],
    ['unclosed field', 'a {b'],
    ['positional field', '{}'],
    ['indexed field', '{a[0]}'],
    ['format spec', '{a:>5}'],
    ['conversion', '{a!r}'],
  ])('rejects a %s', (_name, template) => {
    const error = (() => {
      try {
        formatPromptTemplate(template, { a: 'A' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
  });
});
