import { describe, expect, it } from 'vitest';
import { parseJudgeRating } from '../../src/judge/index.js';

describe('parseJudgeRating (FastChat one_score_pattern, then the backup pattern, else -1)', () => {
  it.each([
    ['The answer is accurate and helpful.\n\nRating: [[8]]', 8],
    ['Rating: [[7.5]]', 7.5],
    ['Rating: [[10]]', 10],
    ['Rating: [[5.]]', 5],
    // The first [[n]] wins, wherever it is.
    ['First [[3]] then [[9]]', 3],
    // [[n]] anywhere beats an earlier [n].
    ['See [2] above. Rating: [[6]]', 6],
    // Backup: a single bracket.
    ['Rating: [4]', 4],
    ['Rating: [ 4 ]', -1],
    // No range check, as in FastChat.
    ['Rating: [[0]]', 0],
    ['Rating: [[100]]', 100],
    ['Rating: [[rating]]', -1],
    ['Rating: 8/10', -1],
    ['Rating: [[-3]]', -1],
    ['Rating: [[.5]]', -1],
    ['', -1],
    // Inside [[7.5.1]] neither pattern finds a closing bracket right after a number, nor does the backup.
    ['Rating: [[7.5.1]]', -1],
    // Only ASCII digits (Python's \d would match ٥ and then crash in ast.literal_eval).
    ['Rating: [[٥]]', -1],
    ['$ERROR$', -1],
  ])('%j → %d', (judgment, expected) => {
    expect(parseJudgeRating(judgment)).toBe(expected);
  });
});
