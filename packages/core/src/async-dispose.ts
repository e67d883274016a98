/**
 * The `Symbol.asyncDispose` well-known symbol. Node >= 20.4 defines it; the registry fallback keeps core
 * loadable on runtimes that do not, and matches polyfills that register the same key. Typed as the
 * built-in symbol so `[asyncDispose]` members satisfy the `AsyncDisposable` interface.
 */
export const asyncDispose: typeof Symbol.asyncDispose = (Symbol.asyncDispose ??
  Symbol.for('Symbol.asyncDispose')) as typeof Symbol.asyncDispose;
