import { parseRetryAfter } from '@tonekit/core';
import { describe, expect, it } from 'vitest';

const now = Date.parse('2025-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 7 ', 7000],
    ['1.5', 1500],
  ])('reads delta-seconds %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
  });

  it('turns a date in the past into 0', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it.each(['', 'soon', '-5', '1e3', 'Wed, 99 Foo 2025'])('returns undefined for unreadable %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  it('returns undefined for a missing value', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
  });

  it('prefers retry-after-ms over retry-after in Fetch headers', () => {
    const headers = new Headers({ 'Retry-After': '2', 'retry-after-ms': '250.5' });
    expect(parseRetryAfter(headers, now)).toBe(250.5);
    expect(parseRetryAfter(new Headers({ 'Retry-After': '2' }), now)).toBe(2000);
  });

  it('falls back to retry-after when retry-after-ms is unreadable', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': 'x', 'retry-after': '3' }), now)).toBe(3000);
  });

  it('reads a plain header record case-insensitively, including array values', () => {
    expect(parseRetryAfter({ 'Retry-After': '4' }, now)).toBe(4000);
    expect(parseRetryAfter({ 'retry-after': ['5', '6'] }, now)).toBe(5000);
    expect(parseRetryAfter({ 'retry-after-ms': 10 }, now)).toBe(10);
    expect(parseRetryAfter({ 'content-type': 'application/json' }, now)).toBeUndefined();
  });
});
