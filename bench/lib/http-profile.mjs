// Summary of a V8 CPU profile (`node --cpu-prof`) written by a server of the HTTP benchmark: where
// the self time went, by area (package or Node module) and by function.
import { readFileSync } from 'node:fs';
import { markdownTable } from './format.mjs';

/**
 * @typedef {{ functionName: string, url: string, lineNumber: number }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame }} ProfileNode
 */

/**
 * The area a frame belongs to: `@larder/core`, `fastify`, `node:_http_server`, `(garbage collector)`...
 * @param {CallFrame} frame
 */
function areaOf({ functionName, url }) {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url;
  const larder = /\/packages\/([^/]+)\//.exec(url);
  if (larder !== null) return `@larder/${larder[1]}`;
  const modules = url.split('/node_modules/');
  if (modules.length > 1) {
    const parts = (modules.at(-1) ?? '').split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  if (url.includes('/bench/')) return 'bench server';
  return url;
}

/**
 * @param {CallFrame} frame
 */
function frameName({ functionName, url, lineNumber }) {
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|packages)\//, '');
  return `${name} ${file}:${lineNumber + 1}`;
}

/**
 * Self time by area and the top functions by self time, as markdown: shares of the busy (non-idle)
 * time, and microseconds per response.
 * @param {string} file
 * @param {number} responses how many responses the process sent while profiled
 * @param {number} [top]
 * @returns {string}
 */
export function summarizeProfile(file, responses, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  /** @type {Map<number, ProfileNode>} */
  const nodes = new Map(profile.nodes.map((/** @type {ProfileNode} */ n) => [n.id, n]));
  /** @type {Map<string, number>} */
  const byArea = new Map();
  /** @type {Map<string, number>} */
  const byFrame = new Map();
  // timeDeltas[i] is the time (µs) from sample i - 1 to sample i: charged to sample i's frame
  let busy = 0;
  for (const [i, id] of profile.samples.entries()) {
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined || frame.functionName === '(idle)') continue;
    const micros = profile.timeDeltas[i] ?? 0;
    busy += micros;
    const area = areaOf(frame);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
    const name = frameName(frame);
    byFrame.set(name, (byFrame.get(name) ?? 0) + micros);
  }
  const row = (/** @type {[string, number]} */ [name, micros]) => [
    name,
    `${((micros / busy) * 100).toFixed(1)}%`,
    (micros / responses).toFixed(1),
  ];
  const sorted = (/** @type {Map<string, number>} */ m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `${(busy / 1000).toFixed(0)} ms busy for ${responses} responses: ${(busy / responses).toFixed(1)} µs per response (profiler overhead included). Self time by area:`,
    '',
    markdownTable(['area', 'self', 'µs/response'], sorted(byArea).map(row)),
    '',
    'Top functions by self time:',
    '',
    markdownTable(['function', 'self', 'µs/response'], sorted(byFrame).map(row)),
  ].join('\n');
}
