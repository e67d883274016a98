/**
 * The error `promise` rejects with; fails the test if it resolves instead. Typed loosely so that
 * assertions can read the fields of whichever error class is expected (`exitCode`, `code`, `cause`).
 */
// biome-ignore lint/suspicious/noExplicitAny: assertions read class-specific fields after isInstance checks
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject, but it resolved.');
}
