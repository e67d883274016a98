import { describe, expect, it } from 'vitest';
import { legacyRound } from '../src/legacy-round.js';

describe('legacyRound (textstat 0.7.5)', () => {
  it('rounds half away from zero for positive values', () => {
    expect(legacyRound(2.25, 1)).toBe(2.3);
    expect(legacyRound(206.835, 2)).toBe(206.84);
  });

  it('copies the asymmetric quirk for negative values', () => {
    // floor(-155.9 - 0.5) / 10 = -15.7, where symmetric rounding would say -15.6.
    expect(legacyRound(-15.59, 1)).toBe(-15.7);
    expect(legacyRound(-0, 2)).toBe(-0.01);
  });
});
