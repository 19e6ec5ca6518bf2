/**
 * A failure the user can fix: a missing or unreadable file, a bad option, an unknown policy, a
 * missing `xz`. The CLI prints its message on one line and exits with code 2.
 */
export class SimError extends Error {
  override readonly name = 'SimError';
}
