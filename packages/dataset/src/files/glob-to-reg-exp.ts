/** Whether a path contains glob syntax (`*`, `?`, `[...]`, `{a,b}`). */
export function hasGlobSyntax(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

/**
 * Compiles a path glob to an anchored RegExp: `*` and `?` stay within one path segment, `**` spans any
 * number of segments (`a/**\/b` matches `a/b` too), `[abc]` / `[!abc]` are character classes and
 * `{x,y}` alternatives. Other characters match themselves.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  let braceDepth = 0;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*') {
      if (pattern[index + 1] === '*') {
        const atSegmentStart = index === 0 || pattern[index - 1] === '/';
        const nextIndex = index + 2;
        if (atSegmentStart && pattern[nextIndex] === '/') {
          source += '(?:[^/]*/)*';
          index = nextIndex;
        } else if (atSegmentStart && nextIndex === pattern.length) {
          source += '.*';
          index = nextIndex - 1;
        } else {
          source += '[^/]*';
          index = nextIndex - 1;
        }
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const end = pattern.indexOf(']', index + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(index + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      index = end;
    } else if (char === '{') {
      braceDepth++;
      source += '(?:';
    } else if (char === '}' && braceDepth > 0) {
      braceDepth--;
      source += ')';
    } else if (char === ',' && braceDepth > 0) {
      source += '|';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  source += ')'.repeat(braceDepth);
  return new RegExp(`^${source}$`, 's');
}
