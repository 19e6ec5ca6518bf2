/**
 * The published shape, proven from outside (as express-rate-limit's test/external does): every
 * public package is packed with `npm pack`, and the tarballs are installed with `npm install` into
 * outside apps in a temp dir, each a shape a user has:
 *
 * - `ts`: Fastify in TypeScript ESM, compiled under `moduleResolution: node16` and checked under
 *   `bundler`, two instances sharing a redis-server (started here) through iovalkey clients;
 *   TypeScript compiled to CommonJS under `moduleResolution: node` (NestJS's default) with
 *   Prometheus and OpenTelemetry on the cache; Express 5 in plain ESM; the `larder-sim` bin;
 * - `express4`: Express 4 in CommonJS;
 * - `nest`, `nest11`: a NestJS app (CommonJS, decorators) on platform-express and platform-fastify,
 *   on Nest 12 and on Nest 11.
 *
 * Every entry point of every package (each key of its `exports`, so a new subpath is covered the day
 * it is added) is imported from a TypeScript file generated here, compiled under
 * `moduleResolution: node` to CommonJS (its types resolve through `types`/`typesVersions`, and
 * `require()` loads it) and under `node16` to ESM (checked under `bundler` too), and run both ways.
 *
 * Per tarball: LICENSE, README and consistent metadata, and `npm publish --dry-run` clean. Per
 * install: no EBADENGINE warning for anything a Larder package depends on. Each package is packed
 * once, each app installed once (all at once, sharing npm's cache), and every check reuses
 * them. Run with `npm run test:external` (after `npm run build`); `npm test` runs it last.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(root, 'node_modules/typescript/bin/tsc');

/** The public packages: every workspace under packages/ that is not private. */
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir: join(root, 'packages', dir),
    json: readJson(join(root, 'packages', dir, 'package.json')),
  }))
  .filter(({ json }) => json !== undefined && json.private !== true);

/** The outside apps and what each installs from the registry besides the tarballs. */
const apps = {
  ts: {
    type: 'module',
    dependencies: {
      fastify: '^5.0.0',
      express: '^5.0.0',
      iovalkey: '^0.4.0',
      'prom-client': '^15.0.0',
      '@opentelemetry/api': '^1.9.0',
      '@types/node': '^20.19.0',
      '@types/express': '^5.0.0',
    },
    larder: [
      '@larder/core',
      '@larder/fastify',
      '@larder/express',
      '@larder/redis',
      '@larder/sim',
      '@larder/prometheus',
      '@larder/opentelemetry',
    ],
    /** the CommonJS folder, compiled under moduleResolution node, that imports every entry point */
    entryPoints: { dir: 'cjs', packages: 'all', esm: '.' },
  },
  express4: {
    type: 'commonjs',
    dependencies: { express: '^4.21.2' },
    larder: ['@larder/core', '@larder/express'],
  },
  nest: {
    type: 'commonjs',
    dependencies: {
      '@nestjs/common': '^12.0.0',
      '@nestjs/core': '^12.0.0',
      '@nestjs/platform-express': '^12.0.0',
      '@nestjs/platform-fastify': '^12.0.0',
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.0',
      '@types/node': '^20.19.0',
    },
    larder: ['@larder/core', '@larder/nestjs'],
    entryPoints: { dir: 'src', packages: ['@larder/nestjs'] },
  },
  /** the same NestJS app on Nest 11, the other major the peer range names that is still maintained */
  nest11: {
    source: 'nest',
    type: 'commonjs',
    dependencies: {
      '@nestjs/common': '^11.0.0',
      '@nestjs/core': '^11.0.0',
      '@nestjs/platform-express': '^11.0.0',
      '@nestjs/platform-fastify': '^11.0.0',
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.0',
      '@types/node': '^20.19.0',
    },
    larder: ['@larder/core', '@larder/nestjs'],
  },
};

/** A spawned command that has not ended after this long is killed and reported (never a hang). */
const RUN_TIMEOUT_MS = 180_000;
/** An `npm install` downloads from the registry (a cold cache on a slow network): a longer bound. */
const INSTALL_TIMEOUT_MS = 420_000;

function readJson(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** Run a command; resolves { code, stdout, stderr } (never rejects on a non-zero exit). */
function run(command, args, cwd, timeout = RUN_TIMEOUT_MS) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n[killed: still running after ${timeout / 1000} s]`;
      child.kill('SIGKILL');
    }, timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? signal, stdout, stderr });
    });
  });
}

function ok(result, what) {
  assert.equal(result.code, 0, `${what} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The last line of stdout, parsed as JSON (the apps print their findings there). */
function findings(result, what) {
  ok(result, what);
  const lines = result.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    assert.fail(`${what} printed no findings:\n${result.stdout}\n${result.stderr}`);
  }
}

/** Every import specifier an installed package offers: `name`, `name/sub` for each `exports` key. */
function entryPoints(appDir, name) {
  const json = readJson(join(appDir, 'node_modules', name, 'package.json'));
  return Object.keys(json.exports ?? { '.': json.main })
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`));
}

/**
 * Write `every-entry-point.ts` into an app folder: it imports every entry point of the given
 * packages and prints how many names each exports. Compiled under moduleResolution node, the
 * imports need `types`/`typesVersions`; run as CommonJS, each is a require().
 */
function writeEntryPointsFile(appDir, dir, names) {
  const specifiers = names.flatMap((name) => entryPoints(appDir, name));
  const lines = [
    '// generated by test/external/external.test.mjs: every entry point of the installed packages',
    ...specifiers.map((spec, i) => `import * as m${i} from '${spec}';`),
    'const counts: Record<string, number> = {};',
    ...specifiers.map((spec, i) => `counts['${spec}'] = Object.keys(m${i}).length;`),
    'console.log(JSON.stringify(counts));',
    '',
  ];
  writeFileSync(join(appDir, dir, 'every-entry-point.ts'), lines.join('\n'));
  return specifiers;
}

/** Each tsconfig compiled once, whichever test asks first. */
const compiled = new Map();
function compile(dir, what, tsconfig = 'tsconfig.json') {
  const id = join(dir, tsconfig);
  if (!compiled.has(id)) compiled.set(id, run(process.execPath, [tsc, '-p', tsconfig], dir));
  return compiled.get(id).then((result) => ok(result, what));
}

/** A free loopback TCP port: bind port 0, read what the OS picked, release it. */
function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

/**
 * The `process_id` the Redis server on `port` reports (`INFO server` on a raw socket), or undefined
 * when nothing answers within half a second: it tells our server from a stranger on the same port.
 */
function serverPid(port) {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const done = (pid) => {
      socket.destroy();
      resolvePromise(pid);
    };
    socket.setTimeout(500, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const found = /process_id:(\d+)/.exec(data);
      if (found !== null) done(Number(found[1]));
      else if (data.startsWith('-')) done(undefined);
    });
  });
}

/**
 * A `redis-server` of our own on a free loopback port (never the machine's instance), without
 * persistence; resolves `{ port, stop }` once it answers as itself (its pid), within 20 s. A port
 * taken between picking and binding (the server exits) is retried on another, three times at most.
 */
async function startRedis() {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'redis-server is not installed: npm test installs it on Debian/Ubuntu (node scripts/ensure-redis-server.mjs), ' +
        'or run: sudo apt-get update && sudo apt-get install -y redis-server',
    );
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    };
    const deadline = Date.now() + 20_000;
    while ((await serverPid(port)) !== child.pid) {
      if (child.exitCode !== null || Date.now() > deadline) break;
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
    }
    if (child.exitCode === null && (await serverPid(port)) === child.pid) return { port, stop };
    await stop();
    if (attempt === 3) throw new Error(`redis-server did not start on a free port (last tried: ${port})`);
  }
}

let work;
let redis;
const tarballs = {};
const installs = {};
/** per app with entry points: the specifiers its generated file imports */
const specifiers = {};

before(async () => {
  redis = await startRedis();
  work = mkdtempSync(join(tmpdir(), 'larder-external-'));
  const packDir = join(work, 'tarballs');
  mkdirSync(packDir);
  const packed = ok(
    await run(
      npm,
      ['pack', '--json', '--pack-destination', packDir, ...packages.flatMap(({ dir }) => ['-w', dir])],
      root,
    ),
    'npm pack',
  );
  for (const entry of JSON.parse(packed.stdout))
    tarballs[entry.name] = { file: join(packDir, entry.filename), entry };

  // one folder per shape, all installed at once (npm's cache is shared and safe to share)
  await Promise.all(
    Object.entries(apps).map(async ([name, app]) => {
      const dir = join(work, name);
      cpSync(join(here, 'apps', app.source ?? name), dir, { recursive: true });
      const larder = Object.fromEntries(app.larder.map((pkg) => [pkg, `file:${tarballs[pkg].file}`]));
      // every @larder dependency of a tarball resolves to the tarball, never to the registry
      const overrides = Object.fromEntries(
        Object.keys(tarballs).map((pkg) => [pkg, `file:${tarballs[pkg].file}`]),
      );
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify(
          {
            name: `larder-external-${name}`,
            private: true,
            type: app.type,
            dependencies: { ...app.dependencies, ...larder },
            overrides,
          },
          null,
          2,
        ),
      );
      installs[name] = await run(
        npm,
        ['install', '--no-audit', '--no-fund', '--loglevel=warn'],
        dir,
        INSTALL_TIMEOUT_MS,
      );
      ok(installs[name], `npm install in the ${name} app`);
      if (app.entryPoints !== undefined) {
        const names = app.entryPoints.packages === 'all' ? app.larder : app.entryPoints.packages;
        specifiers[name] = writeEntryPointsFile(dir, app.entryPoints.dir, names);
        // the same imports in the ESM folder, compiled under node16 and checked under bundler
        if (app.entryPoints.esm !== undefined) writeEntryPointsFile(dir, app.entryPoints.esm, names);
      }
    }),
  );
});

after(async () => {
  await redis?.stop();
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a debugging switch: keep the outside apps to look at
  if (work !== undefined && process.env.LARDER_KEEP_EXTERNAL === undefined)
    rmSync(work, { recursive: true, force: true });
});

describe('every tarball', () => {
  it('holds LICENSE, README.md, its build and its types, with full and consistent metadata', () => {
    assert.deepEqual(Object.keys(tarballs).sort(), packages.map(({ json }) => json.name).sort());
    const rootJson = readJson(join(root, 'package.json'));
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    assert.match(license, /^MIT License\n/);
    const repo = rootJson.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    for (const { dir, json } of packages) {
      const folder = `packages/${dir.split(/[\\/]/).pop()}`;
      const { entry } = tarballs[json.name];
      const files = new Set(entry.files.map((f) => f.path));
      // every file an entry point names: main, types, each exports target, each typesVersions path
      const targets = [json.main, json.types, ...Object.values(json.typesVersions?.['*'] ?? {}).flat()];
      for (const target of Object.values(json.exports))
        targets.push(...(typeof target === 'string' ? [target] : Object.values(target)));
      for (const file of [
        'LICENSE',
        'README.md',
        'package.json',
        ...targets.map((t) => t.replace(/^\.\//, '')),
      ]) {
        assert.ok(files.has(file), `${json.name}: ${file} is not in the tarball (run npm run build first)`);
      }
      // and each subpath (but the package.json) is one typesVersions gives to moduleResolution node
      for (const key of Object.keys(json.exports).filter((k) => k !== '.' && k !== './package.json')) {
        assert.ok(
          json.typesVersions?.['*']?.[key.slice(2)] !== undefined,
          `${json.name}: ${key} has no typesVersions entry (moduleResolution node cannot see its types)`,
        );
      }
      assert.equal(
        readFileSync(join(dir, 'LICENSE'), 'utf8'),
        license,
        `${json.name}: LICENSE differs from the root's`,
      );
      assert.equal(json.license, 'MIT', json.name);
      for (const field of ['description', 'author', 'keywords', 'engines', 'exports'])
        assert.ok(json[field] !== undefined, `${json.name}: no ${field}`);
      assert.deepEqual(json.engines, rootJson.engines, `${json.name}: engines`);
      assert.deepEqual(
        json.repository,
        { ...rootJson.repository, directory: folder },
        `${json.name}: repository`,
      );
      assert.equal(json.homepage, `${repo}/tree/main/${folder}#readme`, `${json.name}: homepage`);
      assert.deepEqual(json.bugs, rootJson.bugs, `${json.name}: bugs`);
      assert.deepEqual(json.publishConfig, { access: 'public' }, `${json.name}: publishConfig`);
    }
  });

  it('npm publish --dry-run is clean', async () => {
    const results = await Promise.all(
      Object.values(tarballs).map(async ({ file, entry }) => ({
        entry,
        result: await run(npm, ['publish', '--dry-run', file], work),
      })),
    );
    for (const { entry, result } of results) {
      ok(result, `npm publish --dry-run ${entry.name}`);
      const warnings = result.stderr
        .split('\n')
        .filter(
          (line) =>
            line.startsWith('npm warn') &&
            !/requires you to be logged in|publish Using --dry-run/i.test(line),
        );
      assert.deepEqual(warnings, [], `${entry.name}: npm publish --dry-run warned`);
    }
  });
});

/**
 * The packages reachable from the installed @larder packages through their own `dependencies` (not
 * peers: a peer is the user's choice), as `name@version`.
 */
function larderDependencyClosure(appDir) {
  const seen = new Set();
  const visit = (dir) => {
    const json = readJson(join(dir, 'package.json'));
    if (json === undefined) return;
    const id = `${json.name}@${json.version}`;
    if (seen.has(id)) return;
    seen.add(id);
    for (const dep of Object.keys(json.dependencies ?? {})) {
      // Node's lookup: the package's own node_modules, then each parent's
      for (let at = dir; at.startsWith(appDir); at = dirname(at)) {
        const candidate = join(at, 'node_modules', dep);
        if (existsSync(join(candidate, 'package.json'))) {
          visit(candidate);
          break;
        }
      }
    }
  };
  for (const name of readdirSync(join(appDir, 'node_modules/@larder')))
    visit(join(appDir, 'node_modules/@larder', name));
  return seen;
}

describe('installed into outside apps', () => {
  it('no EBADENGINE warning for anything a Larder package brings on this Node', () => {
    for (const name of Object.keys(apps)) {
      const output = installs[name].stdout + installs[name].stderr;
      const warned = [...output.matchAll(/EBADENGINE\s+package: '([^']+)'/g)].map((m) => m[1]);
      const ours = larderDependencyClosure(join(work, name));
      const mine = warned.filter((id) => ours.has(id));
      assert.deepEqual(
        mine,
        [],
        `${name}: ${mine.join(', ')} (through a Larder package) warn EBADENGINE on ${process.version}`,
      );
    }
    // Express 4 with Larder alone: nothing at all
    assert.doesNotMatch(installs.express4.stdout + installs.express4.stderr, /EBADENGINE/);
  });

  it('every entry point of every package, ESM: types under node16 and bundler, import runs', async () => {
    const dir = join(work, 'ts');
    await Promise.all([
      compile(dir, 'tsc (bundler)', 'tsconfig.bundler.json'),
      compile(dir, 'tsc (node16)', 'tsconfig.node16.json'),
    ]);
    const counts = findings(
      await run(process.execPath, ['dist-node16/every-entry-point.js'], dir),
      'every entry point (ESM)',
    );
    assert.deepEqual(Object.keys(counts).sort(), [...specifiers.ts].sort());
    for (const [spec, count] of Object.entries(counts)) assert.ok(count > 0, `${spec} exports nothing`);
  });

  it('every entry point of every package: types under moduleResolution node, require() runs', async () => {
    const covered = Object.values(specifiers).flat();
    for (const { json } of packages) {
      for (const key of Object.keys(json.exports).filter((k) => k !== './package.json')) {
        const spec = key === '.' ? json.name : `${json.name}/${key.slice(2)}`;
        assert.ok(covered.includes(spec), `${spec} is imported by no outside app`);
      }
    }
    const ts = join(work, 'ts', 'cjs');
    const nest = join(work, 'nest');
    await Promise.all([compile(ts, 'tsc (moduleResolution node)'), compile(nest, 'tsc (nest)')]);
    const counts = {
      ...findings(await run(process.execPath, ['dist/every-entry-point.js'], ts), 'every entry point'),
      ...findings(
        await run(process.execPath, ['dist/every-entry-point.js'], nest),
        'every entry point (nest)',
      ),
    };
    assert.deepEqual(Object.keys(counts).sort(), [...covered].sort());
    for (const [spec, count] of Object.entries(counts)) assert.ok(count > 0, `${spec} exports nothing`);
  });

  it("Express 4, CommonJS: require(), route tags(req) see req.params, larder('5 min')", async () => {
    const out = findings(await run(process.execPath, ['app.cjs'], join(work, 'express4')), 'express4 app');
    assert.match(out.statuses[0], /fwd=miss; stored/);
    assert.match(out.statuses[1], /^larder; hit/);
    assert.match(out.statuses[2], /fwd=miss/);
    assert.deepEqual(out.seen, ['7']);
    assert.equal(out.removed, 1);
    assert.equal(out.calls, 2);
  });

  it('Express 5, ESM: route tags(req) see req.params', async () => {
    const out = findings(await run(process.execPath, ['express5.mjs'], join(work, 'ts')), 'express5 app');
    assert.match(out.statuses[0], /fwd=miss; stored/);
    assert.match(out.statuses[1], /^larder; hit/);
    assert.match(out.statuses[2], /fwd=miss/);
    assert.deepEqual(out.seen, ['42']);
    assert.equal(out.removed, 1);
    assert.equal(out.calls, 2);
  });

  it('Fastify, TypeScript ESM: compiles under node16 and bundler resolution; two apps share a redis-server through iovalkey', async () => {
    const dir = join(work, 'ts');
    await Promise.all([
      compile(dir, 'tsc (bundler)', 'tsconfig.bundler.json'),
      compile(dir, 'tsc (node16)', 'tsconfig.node16.json'),
    ]);
    const out = findings(
      await run(process.execPath, ['dist-node16/fastify.js', String(redis.port)], dir),
      'fastify app',
    );
    assert.match(out.first, /fwd=miss; stored/);
    assert.match(out.second, /^larder; hit/);
    // the other app (its own memory, its own iovalkey client) answers from Redis
    assert.match(out.fromRedis, /^larder; hit/);
    assert.deepEqual(out.body, { id: '1', calls: 1 });
    assert.equal(out.calls, 1);
    assert.equal(out.fiveMin, 300_000);
    assert.equal(out.week, 604_800_000);
    assert.equal(out.refused, 'ttl');
  });

  it('TypeScript CommonJS on moduleResolution node: Express with Prometheus and OpenTelemetry', async () => {
    const dir = join(work, 'ts', 'cjs');
    await compile(dir, 'tsc (moduleResolution node)');
    const out = findings(await run(process.execPath, ['dist/app.js'], dir), 'cjs app');
    assert.match(out.first, /fwd=miss; stored/);
    assert.match(out.second, /^larder; hit/);
    assert.equal(out.calls, 1);
    assert.equal(out.lru, 1);
    // prom-client's registry scraped: one miss and one hit on the route pattern, never the URL
    assert.deepEqual(out.requests.sort(), [
      'larder_requests_total{route="/items/:id",result="hit",cache="api"} 1',
      'larder_requests_total{route="/items/:id",result="miss",cache="api"} 1',
    ]);
    // the miss's fill traced through the OTel API
    assert.deepEqual(out.spans, ['larder.miss']);
  });

  it('larder-sim, the bin of @larder/sim, replays a trace and draws its chart (vega) from the install', async () => {
    const dir = join(work, 'ts');
    writeFileSync(join(dir, 'tiny.lirs'), '1\n2\n1\n3\n1\n2\n');
    const bin = join(dir, 'node_modules/.bin/larder-sim');
    const args = ['tiny.lirs', '--sizes', '2', '--policies', 'lru', '--svg', 'tiny.svg', '--json'];
    const out = JSON.parse(ok(await run(bin, args, dir), 'larder-sim').stdout);
    // LRU holding 2 keys: 1 2 (1) 3 (1) 2 hits twice; Belady's optimum keeps 1 and 2: three hits
    assert.deepEqual(out.policies[0].hits, [2]);
    assert.deepEqual(out.opt.hits, [3]);
    assert.match(readFileSync(join(dir, 'tiny.svg'), 'utf8'), /^<svg /);
  });

  for (const [name, major] of [
    ['nest', 12],
    ['nest11', 11],
  ]) {
    it(`NestJS ${major} (CommonJS, decorators, @Param with @CacheResponse) on platform-express and platform-fastify`, async () => {
      const dir = join(work, name);
      assert.equal(
        readJson(join(dir, 'node_modules/@nestjs/core/package.json')).version.split('.')[0],
        `${major}`,
      );
      await compile(dir, `tsc (${name})`);
      const out = findings(await run(process.execPath, ['dist/main.js'], dir), `${name} app`);
      for (const platform of ['express', 'fastify']) {
        const result = out[platform];
        assert.match(result.statuses[0], /fwd=miss; stored/, platform);
        assert.match(result.statuses[1], /^larder; hit/, platform);
        assert.match(result.statuses[2], /fwd=miss/, platform);
        assert.equal(result.handlerCalls, 2, platform);
        assert.equal(result.removed, 1, platform);
        assert.equal(result.body.id, '1', platform);
      }
    });
  }
});
