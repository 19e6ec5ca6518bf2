/**
 * The value of one sample in Prometheus text exposition format, found by metric name and an exact
 * label set (in any order); `undefined` when absent. Parses the text as a scraper would.
 */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const got: [string, string][] = [];
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      got.push([pair[1]!, pair[2]!.replace(/\\(.)/g, '$1')]);
    }
    got.sort(([a], [b]) => a.localeCompare(b));
    if (JSON.stringify(got) === JSON.stringify(want)) return Number(match[3]);
  }
  return undefined;
}
