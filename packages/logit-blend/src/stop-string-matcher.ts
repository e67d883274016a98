import { InvalidArgumentError } from '@tonekit/core';

/** Where the text may be released up to, and where it stops when a stop string appeared. */
export interface StopStringScan {
  /** Text before this index can be released: no stop string can start before it any more. */
  safeLength: number;
  /** Index where the earliest stop string starts, when one is complete. */
  stopIndex?: number;
  stopString?: string;
}

/**
 * Finds stop strings in text that grows token by token. A stop string may span several tokens, so the
 * end of the text that could still become one (a prefix of a stop string) is held back until the next
 * token decides; released text therefore never contains any part of a stop string.
 */
export interface StopStringMatcher {
  /** Scans `text`, of which the first `released` characters were already released. */
  scan(text: string, released: number): StopStringScan;
}

export function createStopStringMatcher(stops: readonly string[]): StopStringMatcher {
  if (!Array.isArray(stops)) {
    throw new InvalidArgumentError({
      argument: 'stop',
      value: stops,
      message: 'must be an array of strings.',
    });
  }
  stops.forEach((stop, index) => {
    if (typeof stop !== 'string' || stop.length === 0) {
      throw new InvalidArgumentError({
        argument: `stop[${index}]`,
        value: stop,
        message: 'stop strings must be non-empty strings.',
      });
    }
  });
  const unique = [...new Set(stops)];
  return {
    scan(text, released) {
      let stopIndex = -1;
      let stopString: string | undefined;
      for (const stop of unique) {
        // Released text holds no stop-string prefix that could still complete, so a match cannot start
        // before `released`.
        const index = text.indexOf(stop, released);
        if (index >= 0 && (stopIndex < 0 || index < stopIndex)) {
          stopIndex = index;
          stopString = stop;
        }
      }
      if (stopIndex >= 0) return { safeLength: stopIndex, stopIndex, stopString: stopString! };
      let hold = 0;
      for (const stop of unique) {
        for (let length = Math.min(stop.length - 1, text.length - released); length > hold; length--) {
          if (text.endsWith(stop.slice(0, length))) {
            hold = length;
            break;
          }
        }
      }
      return { safeLength: text.length - hold };
    },
  };
}
