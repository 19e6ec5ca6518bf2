/**
 * The eviction policies of `@larder/core` that `larder-sim` replays, in the order tables list them.
 * `opt` is not among them: it is the offline optimum, computed by {@link opt} in this package.
 */
export const POLICY_NAMES = [
  'lru',
  'fifo',
  'lfu',
  'clock',
  'lru-k',
  '2q',
  'arc',
  'sieve',
  's3-fifo',
  'w-tinylfu',
] as const;

/** One of {@link POLICY_NAMES}. */
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Whether `name` is one of {@link POLICY_NAMES}. */
export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}
