import { describe, expect, it } from 'vitest';
import { formatPythonFixed } from '../../src/metrics/format-python-fixed.js';

describe("formatPythonFixed (Python's f'{x:.Nf}')", () => {
  it('rounds exact ties half to even, like Python and unlike toFixed', () => {
    // Expected strings printed by CPython 3.11.
    const cases: [number, number, string][] = [
      [0.125, 2, '0.12'],
      [0.375, 2, '0.38'],
      [-0.125, 2, '-0.12'],
      [0.0625, 3, '0.062'],
      [0.5, 0, '0'],
      [1.5, 0, '2'],
      [2.5, 0, '2'],
      [-2.5, 0, '-2'],
      [2.675, 2, '2.67'],
      [123.4565, 3, '123.457'],
      [-0, 2, '-0.00'],
      [-0.001, 2, '-0.00'],
      [5e-324, 2, '0.00'],
      [1e21, 2, '1000000000000000000000.00'],
      [1e22, 1, '10000000000000000000000.0'],
    ];
    for (const [value, digits, expected] of cases)
      expect(formatPythonFixed(value, digits), `${value}`).toBe(expected);
  });
});
