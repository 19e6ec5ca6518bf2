import { SimError } from './sim-error.js';

const SIZE = /^\d+$/;

/**
 * Parses a comma-separated list of cache sizes in entries, such as `500,1000,1500`. Each size is a
 * whole number >= 1; the result is sorted ascending with duplicates dropped.
 *
 * @throws {@link SimError} quoting the first bad item, or when the list is empty.
 */
export function parseSizes(text: string): number[] {
  if (text.trim() === '')
    throw new SimError('--sizes is empty: give cache sizes in entries, e.g. 500,1000,1500');
  const sizes = new Set<number>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const size = Number(item);
    if (!SIZE.test(item) || !Number.isSafeInteger(size) || size < 1) {
      throw new SimError(
        `bad size '${item}' in --sizes '${text}': sizes are whole numbers of entries >= 1, comma-separated (e.g. 500,1000,1500)`,
      );
    }
    sizes.add(size);
  }
  return [...sizes].sort((a, b) => a - b);
}
