/**
 * The attribution owed for a shared trace, from its path: the LIRS traces to their authors, the
 * cache2k traces under CC BY 4.0. `undefined` for traces with no known source.
 */
export function traceCredit(path: string): string | undefined {
  const parts = path.toLowerCase().split(/[\\/]/);
  if (parts.includes('lirs')) return 'LIRS trace by Song Jiang and Xiaodong Zhang';
  if (parts.includes('cache2k')) return 'cache2k trace, CC BY 4.0, headissue GmbH (Jens Wilke)';
  if (parts.includes('corda'))
    return 'Corda vault service trace, as redistributed with the Caffeine simulator';
  return undefined;
}
