/**
 * Liang hyphenation exactly as pyphen does it, which is how textstat counts the syllables of words
 * that CMUdict lacks: syllables = hyphenation positions + 1.
 *
 * Mirrors pyphen's HyphDict/Pyphen: the word is wrapped as `.word.`, every substring that is a pattern
 * raises the points it covers (max), odd points are break positions, and positions closer than
 * `left`/`right` code points to either end are dropped. Lengths and indices are in code points, as in
 * Python.
 */

interface TrieNode {
  children: Map<number, TrieNode>;
  /** Offset of the first non-zero value from the start of the pattern's letters. */
  offset: number;
  /** The pattern's values with leading and trailing zeros chopped (pyphen stores them that way). */
  values: Uint8Array | undefined;
}

function createNode(): TrieNode {
  return { children: new Map(), offset: 0, values: undefined };
}

export interface LiangHyphenator {
  /** Hyphenation positions in a (lower-cased) word, after the left/right limits. */
  countPositions(word: string): number;
}

export interface LiangHyphenatorOptions {
  /** Minimum code points before the first break; pyphen's default (and textstat's) is 2. */
  left?: number;
  /** Minimum code points after the last break; pyphen's default (and textstat's) is 2. */
  right?: number;
}

const dotCodePoint = 0x2e;

/** Builds a hyphenator from Liang patterns such as `.ad4der` or `a2ch4`, space separated. */
export function createLiangHyphenator(
  patternsText: string,
  { left = 2, right = 2 }: LiangHyphenatorOptions = {},
): LiangHyphenator {
  const root = createNode();
  for (const pattern of patternsText.split(' ')) {
    if (pattern !== '') insertPattern(root, pattern);
  }

  // Scratch buffers reused across calls: hyphenation runs once per distinct word, often in bulk.
  let pointed = new Int32Array(64);
  let points = new Uint8Array(65);

  function countPositions(word: string): number {
    const lowered = word.toLowerCase();
    if (lowered.length + 2 > pointed.length) {
      pointed = new Int32Array(lowered.length * 2 + 2);
      points = new Uint8Array(lowered.length * 2 + 3);
    }
    pointed[0] = dotCodePoint;
    let size = 1;
    for (let i = 0; i < lowered.length; i++) {
      const unit = lowered.charCodeAt(i);
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < lowered.length) {
        const codePoint = lowered.codePointAt(i)!;
        if (codePoint > 0xffff) i++;
        pointed[size++] = codePoint;
      } else {
        pointed[size++] = unit;
      }
    }
    pointed[size++] = dotCodePoint;
    const letterCount = size - 2;
    const pointsLength = size + 1;
    points.fill(0, 0, pointsLength);

    // pyphen's loop stops one short of the final dot: `for i in range(len(pointed_word) - 1)`.
    for (let start = 0; start < size - 1; start++) {
      let node: TrieNode | undefined = root;
      for (let end = start; end < size; end++) {
        node = node.children.get(pointed[end]!);
        if (node === undefined) break;
        const values = node.values;
        if (values === undefined) continue;
        const base = start + node.offset;
        // Python's slice assignment with map(max, ...) silently truncates at the list's end.
        const limit = Math.min(values.length, pointsLength - base);
        for (let k = 0; k < limit; k++) {
          if (values[k]! > points[base + k]!) points[base + k] = values[k]!;
        }
      }
    }
    // Reference index r marks a break before pointed[r], i.e. at word position r - 1.
    const lastAllowed = letterCount - right;
    let count = 0;
    for (let reference = 0; reference < pointsLength; reference++) {
      if (points[reference]! % 2 === 1) {
        const position = reference - 1;
        if (position >= left && position <= lastAllowed) count++;
      }
    }
    return count;
  }

  return { countPositions };
}

function insertPattern(root: TrieNode, pattern: string): void {
  // pyphen: tags, values = zip(*[(string, int(digit or '0')) for digit, string in
  //                                re.findall(r'(\d?)(\D?)', pattern)])
  const letters: number[] = [];
  const values: number[] = [];
  let pendingDigit = 0;
  let sawDigit = false;
  for (const char of pattern) {
    const code = char.codePointAt(0)!;
    if (code >= 0x30 && code <= 0x39) {
      if (sawDigit) {
        // (\d?)(\D?) pairs a lone digit with an empty letter, so two digits in a row make two values.
        values.push(pendingDigit);
      }
      pendingDigit = code - 0x30;
      sawDigit = true;
    } else {
      values.push(sawDigit ? pendingDigit : 0);
      letters.push(code);
      pendingDigit = 0;
      sawDigit = false;
    }
  }
  values.push(sawDigit ? pendingDigit : 0);

  let start = 0;
  let end = values.length;
  if (Math.max(...values) === 0) return;
  while (values[start] === 0) start++;
  while (values[end - 1] === 0) end--;

  let node = root;
  for (const letter of letters) {
    let child = node.children.get(letter);
    if (child === undefined) {
      child = createNode();
      node.children.set(letter, child);
    }
    node = child;
  }
  // A later duplicate replaces an earlier one, as a Python dict assignment does.
  node.offset = start;
  node.values = Uint8Array.from(values.slice(start, end));
}
