/**
 * Runs `fn` with a child of `signal` that is dropped afterwards. The openai SDK adds an abort listener
 * to the signal of every request and never removes it, so passing one run-long signal to thousands of
 * polls would pile up listeners (and Node's MaxListenersExceededWarning); the child collects them
 * instead and is garbage once `fn` settles.
 */
export async function withLinkedSignal<T>(
  signal: AbortSignal | undefined,
  fn: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (signal === undefined) return fn(undefined);
  const controller = new AbortController();
  const forward = () => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  try {
    return await fn(controller.signal);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}
