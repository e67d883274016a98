import { InvalidArgumentError, throttleProgress } from '@tonekit/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Event =
  | { type: 'progress'; done: number }
  | { type: 'sample-accepted'; id: string }
  | { type: 'finish' };

describe('throttleProgress', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers the first progress event at once and the latest one at the end of the interval', () => {
    const received: Event[] = [];
    const listener = throttleProgress<Event>((event) => received.push(event), 100);
    listener({ type: 'progress', done: 1 });
    listener({ type: 'progress', done: 2 });
    listener({ type: 'progress', done: 3 });
    expect(received).toEqual([{ type: 'progress', done: 1 }]);
    vi.advanceTimersByTime(99);
    expect(received).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(received).toEqual([
      { type: 'progress', done: 1 },
      { type: 'progress', done: 3 },
    ]);
    vi.advanceTimersByTime(1000);
    expect(received).toHaveLength(2);
  });

  it('delivers at most once per interval under a steady stream', () => {
    const received: Event[] = [];
    const listener = throttleProgress<Event>((event) => received.push(event), 100);
    for (let done = 1; done <= 1000; done++) {
      listener({ type: 'progress', done });
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(100);
    // One delivery per 100 ms over 1 s, plus the first, and the very last update is never lost.
    expect(received.length).toBeGreaterThanOrEqual(10);
    expect(received.length).toBeLessThanOrEqual(11);
    expect(received.at(-1)).toEqual({ type: 'progress', done: 1000 });
  });

  it('delivers a progress event at once when the previous delivery is old enough', () => {
    const received: Event[] = [];
    const listener = throttleProgress<Event>((event) => received.push(event), 100);
    listener({ type: 'progress', done: 1 });
    vi.advanceTimersByTime(150);
    listener({ type: 'progress', done: 2 });
    expect(received.map((event) => (event.type === 'progress' ? event.done : -1))).toEqual([1, 2]);
  });

  it('passes other events through immediately, after the held progress event', () => {
    const received: Event[] = [];
    const listener = throttleProgress<Event>((event) => received.push(event), 100);
    listener({ type: 'progress', done: 1 });
    listener({ type: 'progress', done: 2 });
    listener({ type: 'sample-accepted', id: 'a' });
    listener({ type: 'sample-accepted', id: 'b' });
    listener({ type: 'finish' });
    expect(received).toEqual([
      { type: 'progress', done: 1 },
      { type: 'progress', done: 2 },
      { type: 'sample-accepted', id: 'a' },
      { type: 'sample-accepted', id: 'b' },
      { type: 'finish' },
    ]);
    vi.advanceTimersByTime(500);
    expect(received).toHaveLength(5);
  });

  it('flushes and cancels the held event on demand', () => {
    const received: Event[] = [];
    const listener = throttleProgress<Event>((event) => received.push(event), 100);
    listener({ type: 'progress', done: 1 });
    listener({ type: 'progress', done: 2 });
    listener.flush();
    expect(received).toHaveLength(2);
    vi.advanceTimersByTime(100);
    listener({ type: 'progress', done: 3 });
    listener({ type: 'progress', done: 4 });
    listener.cancel();
    vi.advanceTimersByTime(1000);
    expect(received.map((event) => (event.type === 'progress' ? event.done : -1))).toEqual([1, 2, 3]);
  });

  it('throttles the events a custom predicate selects', () => {
    const received: Event[] = [];
    const listener = throttleProgress<Event>((event) => received.push(event), 100, {
      isThrottled: (event) => event.type === 'sample-accepted',
    });
    listener({ type: 'sample-accepted', id: 'a' });
    listener({ type: 'sample-accepted', id: 'b' });
    listener({ type: 'progress', done: 1 });
    expect(received).toEqual([
      { type: 'sample-accepted', id: 'a' },
      { type: 'sample-accepted', id: 'b' },
      { type: 'progress', done: 1 },
    ]);
  });

  it('rejects a negative interval', () => {
    expect(() => throttleProgress(() => {}, -1)).toThrow(InvalidArgumentError);
  });
});
