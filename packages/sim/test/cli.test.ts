import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { packageDir, sharedTracesDir, tempDir } from './support/fixtures.js';
import { standInCacheFactory } from './support/stand-in-cache.js';

const run = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    createCache: standInCacheFactory,
  });
  return { code, stdout, stderr };
}

const TRACE = '1\n2\n3\n1\n2\n4\n1\n2\n3\n4\n'.repeat(20);

describe('larder-sim (in process)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let trace: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    trace = join(dir, 'small.trace.gz');
    await writeFile(trace, gzipSync(TRACE));
  });
  afterAll(() => cleanup());

  it('prints the table with OPT and the best policy marked', async () => {
    const { code, stdout, stderr } = await cli([trace, '--sizes', '2,3', '--policies', 'lru,fifo']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^small: 200 requests, 4 distinct keys \(lirs\)/);
    expect(stdout).toMatch(/^lru\s/m);
    expect(stdout).toMatch(/^fifo\s/m);
    expect(stdout).toMatch(/^OPT\s/m);
    expect(stdout).toContain(' *');
    expect(stderr).toBe('');
  });

  it('skips policies the cache lacks when none were named, with a note', async () => {
    const { code, stderr } = await cli([trace, '--sizes', '2']);
    expect(code).toBe(0);
    expect(stderr).toContain(
      'does not provide lfu, clock, enhanced-clock, lru-k, 2q, arc, mq, sieve, s3-fifo, w-tinylfu yet',
    );
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await cli([trace, '--sizes', '3', '--policies', 'lru', '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.sizes).toEqual([3]);
    expect(json.policies[0].policy).toBe('lru');
    expect(json.policies[0].hits).toHaveLength(1);
    expect(json.opt.hits[0]).toBeGreaterThanOrEqual(json.policies[0].hits[0]);
    expect(json.trace).toMatchObject({ format: 'lirs', requests: 200, uniqueKeys: 4 });
  });

  it('writes a chart with --svg', async () => {
    const svg = join(dir, 'chart.svg');
    const { code } = await cli([trace, '--sizes', '2,3', '--policies', 'lru,fifo', '--svg', svg]);
    expect(code).toBe(0);
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
  });

  it('reports malformed access-log lines at the end, on stderr', async () => {
    const log = join(dir, 'site-access.log');
    await writeFile(
      log,
      '1.2.3.4 - - [d] "GET /a HTTP/1.1" 200 1\ngarbage\n1.2.3.4 - - [d] "GET /a HTTP/1.1" 200 1\n',
    );
    const { code, stdout, stderr } = await cli([log, '--sizes', '1', '--policies', 'lru']);
    expect(code).toBe(0);
    expect(stdout).toContain('(clf, 1 malformed skipped)');
    expect(stderr).toContain('skipped 1 malformed line in');
    expect(stderr).toContain('first at line 2: "garbage"');
  });

  it.each([
    [['--help'], /^larder-sim: replay a cache access trace/],
    [['-V'], /^\d+\.\d+\.\d+\n$/],
  ])('%j exits 0', async (args, out) => {
    const { code, stdout } = await cli(args);
    expect(code).toBe(0);
    expect(stdout).toMatch(out);
  });

  it.each([
    [['/no/such/file.gz', '--sizes', '10'], "cannot read trace '/no/such/file.gz': no such file"],
    [['TRACE', '--sizes', '10,abc'], "bad size 'abc'"],
    [['TRACE', '--sizes', '10', '--policies', 'lru,nope'], "unknown policy 'nope'"],
    [['TRACE', '--sizes', '10', '--policies', 'arc'], "policy 'arc' is not available in @larder/core"],
    [['TRACE', '--format', 'csv'], "unknown format 'csv'"],
    [['TRACE', '--bogus'], "Unknown option '--bogus'"],
    [[], 'no trace file given'],
    [['TRACE', 'TRACE'], 'one trace file at a time'],
    [['TRACE', '--out', 'x.md'], '--out: only for larder-sim grid'],
    [['grid'], 'needs --traces-dir'],
    [['grid', '--traces-dir', '.', '--sizes', '1'], '--sizes: not for larder-sim grid'],
    [['grid', '--traces-dir', '.', '--traces', 'nope'], "unknown grid trace 'nope'"],
  ])('%j exits 2 with one clear line', async (args, message) => {
    const { code, stderr } = await cli(args.map((a) => (a === 'TRACE' ? trace : a)));
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.startsWith('larder-sim: ')).toBe(true);
  });

  describe('grid', () => {
    it('writes the markdown between the README markers and one chart per trace', async () => {
      const readme = join(dir, 'README.md');
      const prose = 'Write between `<!-- grid:start -->` and `<!-- grid:end -->`.';
      await writeFile(
        readme,
        `# Title\n\n${prose}\n\n<!-- grid:start -->\nSTALE-CONTENT\n<!-- grid:end -->\n\nTail\n`,
      );
      const charts = join(dir, 'charts');
      const { code, stdout } = await cli([
        'grid',
        '--traces-dir',
        sharedTracesDir,
        '--traces',
        'gli,cpp',
        '--out',
        readme,
        '--svg-dir',
        charts,
      ]);
      expect(code).toBe(0);
      expect(stdout).toMatch(/lru\s+\d+\.\d\d%/);
      const text = await readFile(readme, 'utf8');
      expect(text.startsWith(`# Title\n\n${prose}\n\n<!-- grid:start -->\n`)).toBe(true);
      expect(text.endsWith('<!-- grid:end -->\n\nTail\n')).toBe(true);
      expect(text).not.toContain('STALE-CONTENT');
      expect(text).toContain('#### gli');
      expect(text).toContain('![gli: hit ratio by cache size](charts/gli.svg)');
      expect(text).toMatch(
        /^\| gli +\| 1,000 \| +— \| +42\.98 \| +— \| 11\.21 \| +11\.21 \| 53\.15 \| +53\.15 \|$/m,
      );
      expect(text).toContain('Song Jiang and Xiaodong Zhang');
      expect(readdirSync(charts).sort()).toEqual(['cpp.svg', 'gli.svg']);
    });

    it('writes a file of its own, and refuses to overwrite a file it did not write', async () => {
      const own = join(dir, 'grid.md');
      const args = ['grid', '--traces-dir', sharedTracesDir, '--traces', 'cpp', '--policies', 'lru'];
      expect((await cli([...args, '--out', own])).code).toBe(0);
      expect((await cli([...args, '--out', own])).code).toBe(0);
      expect(await readFile(own, 'utf8')).toMatch(
        /^<!-- written by larder-sim grid[^\n]*\n\n### Mean hit ratio/,
      );
      const notes = join(dir, 'notes.md');
      await writeFile(notes, '# My notes\n');
      const refused = await cli([...args, '--out', notes]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("refusing to overwrite '");
      expect(await readFile(notes, 'utf8')).toBe('# My notes\n');
    });
  });
});

describe('larder-sim (built, spawned)', () => {
  const cliPath = join(packageDir, 'dist', 'cli.js');
  let dir: string;
  let cleanup: () => Promise<void>;
  let trace: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    trace = join(dir, 'small.trace.gz');
    await writeFile(trace, gzipSync(TRACE));
    if (!existsSync(cliPath) || newestSource() > statSync(cliPath).mtimeMs) {
      execFileSync(
        process.execPath,
        [join(packageDir, '../../node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        {
          cwd: packageDir,
        },
      );
    }
  });
  afterAll(() => cleanup());

  it('replays a small file through the real Cache and prints the table', async () => {
    const { stdout } = await run(process.execPath, [cliPath, trace, '--sizes', '2,3', '--policies', 'lru']);
    expect(stdout).toMatch(/^lru\s+\d+\.\d\d\s+\d+\.\d\d\s*$/m);
    expect(stdout).toMatch(/^OPT\s/m);
  });

  it('exits 2 with a one-line message on a missing file', async () => {
    const failure = await run(process.execPath, [cliPath, join(dir, 'missing.gz')]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toBe(
      `larder-sim: cannot read trace '${join(dir, 'missing.gz')}': no such file\n`,
    );
  });

  it('shows progress on stderr with --progress', async () => {
    const { stderr } = await run(process.execPath, [
      cliPath,
      trace,
      '--sizes',
      '2',
      '--policies',
      'lru',
      '--progress',
    ]);
    expect(stderr).toContain('100%');
  });
});

function newestSource(): number {
  const walk = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
        entry.isDirectory() ? walk(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
      ),
    );
  return walk(join(packageDir, 'src'));
}
