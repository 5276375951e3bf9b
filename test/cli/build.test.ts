import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, isCliBuildFresh, PROJECT_ROOT } from '../../scripts/build-cli.mjs';
import { IN_THREAD_RUNNER, fitTfidf, oneVsRestProblem, rowSquaredNorms } from '../../src/model/index.ts';
import { BUNDLED_WORKER_FILE, createSolverPool, defaultWorkerUrl } from '../../src/training/solver-pool.ts';
import { topicCorpus } from '../support/topic-corpus.ts';

const run = promisify(execFile);

/** A build of its own, two directories below the project as the real one (dist/cli) is. */
const outdir = join(PROJECT_ROOT, 'dist', `cli-test-${process.pid}`);
let metafile: Metafile;

/** Runs the compiled CLI of `outdir` (what bin/triage.mjs runs when dist/cli is fresh). */
const compiled = (args: string[]) =>
  run(process.execPath, [join(outdir, 'triage.mjs'), ...args], { env: { ...process.env, TRIAGE_DEBUG: '' } });
const fromSource = (args: string[]) =>
  run(process.execPath, [join(PROJECT_ROOT, 'bin', 'triage.mjs'), ...args], {
    env: { ...process.env, TRIAGE_CLI: 'source', TRIAGE_DEBUG: '' },
  });

beforeAll(async () => {
  metafile = (await buildCli({ outdir })) as Metafile;
  // bin/triage.mjs, for this build.
  writeFileSync(
    join(outdir, 'triage.mjs'),
    "const { main } = await import('./main.mjs');\nawait main(process.argv);\n",
  );
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the compiled CLI (scripts/build-cli.mjs)', () => {
  it('is fresh until a file it was built from changes', () => {
    expect(isCliBuildFresh(outdir)).toBe(true);
    const file = join(outdir, 'build.json');
    const build = JSON.parse(readFileSync(file, 'utf8')) as { inputs: Record<string, [number, number]> };
    expect(Object.keys(build.inputs)).toEqual(
      expect.arrayContaining([
        'src/cli/main.ts',
        'src/cli/commands/send.ts',
        'package.json',
        'scripts/build-cli.mjs',
        'node_modules/.package-lock.json',
      ]),
    );
    const [mtimeMs, size] = build.inputs['src/cli/commands/send.ts']!;
    build.inputs['src/cli/commands/send.ts'] = [mtimeMs - 1000, size]; // as if send.ts was edited since
    writeFileSync(file, JSON.stringify({ ...build, inputs: build.inputs }));
    expect(isCliBuildFresh(outdir)).toBe(false);
    build.inputs['src/cli/commands/send.ts'] = [mtimeMs, size];
    build.inputs['src/cli/commands/removed.ts'] = [mtimeMs, size]; // an input that is gone
    writeFileSync(file, JSON.stringify(build));
    expect(isCliBuildFresh(outdir)).toBe(false);
    delete build.inputs['src/cli/commands/removed.ts'];
    writeFileSync(file, JSON.stringify(build));
    expect(isCliBuildFresh(outdir)).toBe(true);
  });

  it('prints the same help, command help and version as the sources', async () => {
    for (const args of [['--help'], ['send', '--help'], ['help', 'runs'], ['--version']]) {
      const [ours, source] = await Promise.all([compiled(args), fromSource(args)]);
      expect(ours.stdout, args.join(' ')).toBe(source.stdout);
    }
  }, 60_000);

  it('says what is wrong and exits non-zero, without a stack trace', async () => {
    const failure = await compiled(['predict', '--model', '/nonexistent', 'hello']).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 2 }); // bad input (docs/cli.md, exit codes)
    expect((failure as { stderr: string }).stderr).toMatch(/^error: /);
    expect((failure as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  });

  it('reads project files through paths that resolve the same from dist/cli as from src/<dir>/', () => {
    // new URL(..., import.meta.url) and createRequire(import.meta.url) resolve from the OUTPUT file in a
    // build. Every project module using import.meta.url was checked to resolve the same from dist/cli/
    // (two directories below the project, like src/<dir>/); a new one must be checked and listed here.
    const reviewed = {
      'src/workflows/catalog.ts': 'projectPath: ../../ from two directories down is the project root',
      'src/local/fauxqs/internals.ts': "createRequire: resolves the fauxqs package from the project's node_modules",
      'src/local/dynalite-conditions.ts':
        "createRequire: resolves dynalite's condition parser module (the package is external) from the project's node_modules",
      'src/local/dynalite-leveldb.ts':
        "createRequire: resolves the dynalite package (external) from the project's node_modules, then its own modules",
      'src/local/emulator-thread.ts': './emulator-thread.worker.mjs: an entry point of the build, next to main.mjs',
      'src/local/lambda/function-thread.ts':
        './function-thread.worker.mjs: an entry point of the build, next to main.mjs',
      'src/local/lambda/function-thread.worker.mjs':
        './instance-modules.hooks.mjs (module.register): an entry point of the build, next to the worker',
      'src/web/static-files.ts': "createRequire: resolves preact and htm from the project's node_modules",
      'src/training/solver-pool.ts':
        './training-worker.mjs (or ../): an entry point of the build, next to the chunks; without it, one thread',
    };
    const users = Object.keys(metafile.inputs)
      .filter((file) => !file.startsWith('node_modules/') && /\.(ts|mjs)$/.test(file))
      .filter((file) => readFileSync(join(PROJECT_ROOT, file), 'utf8').includes('import.meta.url'));
    expect(users.sort()).toEqual(Object.keys(reviewed).sort());
    // What those URLs name is in the build, where they look for it.
    for (const file of [
      'emulator-thread.worker.mjs',
      'function-thread.worker.mjs',
      'instance-modules.hooks.mjs',
      'training-worker.mjs',
    ])
      expect(existsSync(join(outdir, file)), file).toBe(true);
  });

  it("finds the solver threads' entry (training-worker.mjs) next to the chunk `triage train` runs in", async () => {
    const trainChunk = Object.keys(metafile.outputs).find(
      (file) => file.endsWith('.mjs') && metafile.outputs[file]!.inputs['src/cli/commands/train.ts'],
    );
    expect(trainChunk).toBeDefined();
    const workerUrl = defaultWorkerUrl(pathToFileURL(join(PROJECT_ROOT, trainChunk!)).href);
    expect(workerUrl?.href).toBe(pathToFileURL(join(outdir, BUNDLED_WORKER_FILE)).href);
    const { docs, y, labels } = topicCorpus(200, 2);
    const x = fitTfidf(docs, { ngramRange: [1, 1], float32: true, sharedMemory: true }).matrix;
    const options = { c: 0.5, tolerance: 0.5, classWeight: 'balanced' as const, seed: 1 };
    const expected = oneVsRestProblem(x, y, labels.length, options);
    await IN_THREAD_RUNNER.solve([expected]);
    const pool = createSolverPool({ threads: 2, workerUrl: workerUrl! });
    try {
      const problem = oneVsRestProblem(x, y, labels.length, options, {
        shared: true,
        sqNorm: rowSquaredNorms(x, 1, true),
      });
      await pool.solve([problem]);
      expect(pool.degraded).toBeUndefined();
      expect(Array.from(problem.weights)).toEqual(Array.from(expected.weights));
    } finally {
      await pool.close();
    }
  });

  it('runs the whole product: `start --auth oidc` with its worker threads, the web page, sign-in, and `send` against it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'triage-compiled-'));
    const stack = spawn(
      process.execPath,
      [
        join(outdir, 'triage.mjs'),
        'start',
        '--gateway-port',
        '0',
        '--port',
        '0',
        '--auth',
        'oidc',
        '--oidc-port',
        '0',
        '--data-dir',
        dataDir,
      ],
      { env: { ...process.env, RETRAIN_SCHEDULE: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    stack.stdout.on('data', (chunk: Buffer) => (output += chunk));
    stack.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => stack.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        stack.stdout.on('data', () => {
          if (output.includes('Ctrl-C stops it')) resolve();
        });
        void exited.then((code) => reject(new Error(`start exited (${code}): ${output}`)));
      });
      const webUrl = /web page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)![1]!;
      const page = await fetch(`${webUrl}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      // The local OpenID Connect provider (oidc-provider, bundled) answers, and the API wants its tokens.
      const signInUrl = /sign-in\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
      const discovery = await fetch(`${signInUrl}/.well-known/openid-configuration`);
      expect(await discovery.json()).toMatchObject({ issuer: signInUrl });
      expect(await (await fetch(`${webUrl}/config.json`)).json()).toMatchObject({ signIn: { authority: signInUrl } });
      expect((await fetch(`${webUrl}/api/predictions`)).status).toBe(401);
      const sent = await compiled([
        'send',
        '--data-dir',
        dataDir,
        '--json',
        'my laptop will not boot after the update',
      ]);
      expect(JSON.parse(sent.stdout)).toMatchObject({ status: 'SUCCEEDED', result: { kind: 'classified' } });
    } finally {
      stack.kill('SIGINT');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
