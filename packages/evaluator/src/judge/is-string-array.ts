/** Whether `value` is an array whose items are all strings (JSON validation of loaded files). */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
