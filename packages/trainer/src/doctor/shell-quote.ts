/**
 * Quotes `value` for a POSIX shell when it needs it, so that advice such as
 * `python3 -m pip install 'peft>=0.13'` can be pasted as is (an unquoted `>=` would redirect output).
 */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
