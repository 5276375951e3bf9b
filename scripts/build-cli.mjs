#!/usr/bin/env node
// Compiles the `triage` command to JavaScript in dist/cli/ with esbuild, so
// that nothing is transpiled when a command starts. Runs on `npm install`
// (the `prepare` script, after the WordNet data it inlines); the output is
// generated, not committed. bin/triage.mjs runs it again, before starting,
// when a file it was built from changed (see isCliBuildFresh).
//
// - One bundle, split per command: src/cli/main.ts imports each command's
//   module with a dynamic import(), so each command (and what only it needs:
//   the SDK clients, the model code, the local runtime) is a chunk loaded only
//   when that command runs.
// - Packages are bundled too (tree-shaken, a few files instead of hundreds of
//   small CommonJS files to resolve and read), except the local runtime's
//   servers and tools, which load files of their own or native code.
// - The two worker threads of `triage start` are entry points of their own,
//   next to main.mjs, where `new URL('./<name>.worker.mjs', import.meta.url)`
//   finds them. The function thread still registers tsx: it imports the
//   handlers' TypeScript, as the Lambda steps run from source locally; and
//   its module hook (one copy of the modules per function instance) is an
//   entry point too, found the same way.
// - Every output file sits two directories below the project, as the sources
//   in src/<dir>/ do, so paths relative to import.meta.url that climb to the
//   project root (`projectPath()`) resolve the same from either.
//
// <outdir>/build.json records the size and mtime of every project file the
// build read (and of node_modules/.package-lock.json, which npm rewrites on
// every install): the build is fresh while they are unchanged.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DIR = join(PROJECT_ROOT, 'dist', 'cli');
export const CLI_MAIN = join(CLI_DIR, 'main.mjs');
const FORMAT = 1;

/**
 * The entry points: the CLI, the two worker threads of the local runtime (`triage start`), and the
 * module resolution hook the function thread registers (`new URL('./instance-modules.hooks.mjs',
 * import.meta.url)`: module.register() loads it as a file of its own, next to the worker).
 */
const ENTRIES = {
  main: 'src/cli/main.ts',
  'emulator-thread.worker': 'src/local/emulator-thread.worker.ts',
  'function-thread.worker': 'src/local/lambda/function-thread.worker.mjs',
  'instance-modules.hooks': 'src/local/lambda/instance-modules.hooks.mjs',
};

/** Packages left to Node's resolution at run time: servers and tools that load files of their own or native code. */
const EXTERNAL = ['fauxqs', 'dynalite', 'aws-local-stepfunctions', 'tsx', 'esbuild'];

/** Files the build depends on that are not among esbuild's inputs (npm rewrites its hidden lockfile on every install). */
const EXTRA_INPUTS = ['scripts/build-cli.mjs', 'node_modules/.package-lock.json'];

const stamp = (file) => {
  const s = statSync(join(PROJECT_ROOT, file));
  return [s.mtimeMs, s.size];
};

/** Paths of the project's own files (esbuild's filters are Go regular expressions: no lookahead for "not node_modules"). */
function projectFiles() {
  const names = readdirSync(PROJECT_ROOT).filter((name) => !['node_modules', 'dist', '.git'].includes(name));
  const literal = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${literal(PROJECT_ROOT)}/(${names.map(literal).join('|')})(/|$)`);
}

/** An esbuild plugin that records each project file's stamp just before esbuild reads it. */
function stampInputs(stamps) {
  return {
    name: 'stamp-inputs',
    setup(build) {
      build.onLoad({ filter: projectFiles() }, (args) => {
        const file = relative(PROJECT_ROOT, args.path);
        stamps.set(file, stamp(file));
        return undefined; // esbuild loads the file as usual
      });
    },
  };
}

/** The esbuild options of the CLI build. */
export function cliBuildOptions(outdir = CLI_DIR) {
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    mainFields: ['module', 'main'],
    external: EXTERNAL,
    // Bundled CommonJS packages call require() for Node built-ins; ESM has none.
    banner: {
      js: "import { createRequire as __triageCreateRequire } from 'node:module'; const require = __triageCreateRequire(import.meta.url);",
    },
    minify: true,
    keepNames: true,
    // Source maps for stack traces that point into src/ (bin/triage.mjs enables them with TRIAGE_DEBUG).
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  };
}

/** Whether `outdir` holds a build of the current files (a hundred stat calls; no esbuild). */
export function isCliBuildFresh(outdir = CLI_DIR) {
  let build;
  try {
    build = JSON.parse(readFileSync(join(outdir, 'build.json'), 'utf8'));
    if (build.format !== FORMAT) return false;
    for (const [file, [mtimeMs, size]] of Object.entries(build.inputs)) {
      const [m, s] = stamp(file);
      if (m !== mtimeMs || s !== size) return false;
    }
  } catch {
    return false; // no build, or an input is gone
  }
  return true;
}

function writeWhole(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** An exclusive lock on building into `outdir`; undefined when another process holds it. */
function lock(outdir) {
  const file = `${outdir}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(file, 'wx'));
      return () => rmSync(file, { force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(file).mtimeMs;
      } catch {}
      if (age < 60_000) return undefined;
      rmSync(file, { force: true }); // left over from a build that died
    }
  }
  return undefined;
}

/**
 * Builds the CLI into `outdir` (two directories below the project). Returns
 * the esbuild metafile, or undefined without building when another process is
 * building. A process running an older build keeps working: chunks have
 * content-hashed names and are written before the entry points that import
 * them, every file is renamed into place whole, build.json last, and files no
 * build has written for a day are removed.
 */
export async function buildCli({ outdir = CLI_DIR, log = () => {} } = {}) {
  if (relative(PROJECT_ROOT, outdir).split(sep).length !== 2)
    throw new Error(`the CLI is built two directories below the project (like src/cli), not in ${outdir}`);
  const unlock = lock(outdir);
  if (!unlock) return undefined;
  try {
    const started = performance.now();
    const { build } = await import('esbuild');
    const stamps = new Map();
    const result = await build({ ...cliBuildOptions(outdir), write: false, plugins: [stampInputs(stamps)] });
    mkdirSync(outdir, { recursive: true });
    const entryFiles = new Set(Object.keys(ENTRIES).map((name) => `${name}.mjs`));
    const outputs = result.outputFiles.map((file) => ({ name: relative(outdir, file.path), file }));
    outputs.sort((a, b) => Number(entryFiles.has(a.name)) - Number(entryFiles.has(b.name)));
    for (const { file } of outputs) writeWhole(file.path, file.contents);
    const inputs = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/'));
    const build_ = {
      format: FORMAT,
      builtAt: new Date().toISOString(),
      inputs: Object.fromEntries(
        [...inputs, ...EXTRA_INPUTS.filter((f) => existsSync(join(PROJECT_ROOT, f)))]
          .sort()
          .map((f) => [f, stamps.get(f) ?? stamp(f)]),
      ),
    };
    writeWhole(join(outdir, 'build.json'), `${JSON.stringify(build_, null, 1)}\n`);
    const written = new Set([...outputs.map((o) => o.name), 'build.json']);
    for (const name of readdirSync(outdir)) {
      const path = join(outdir, name);
      if (!written.has(name) && Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { force: true });
    }
    const bytes = outputs.filter((o) => o.name.endsWith('.mjs')).reduce((sum, o) => sum + o.file.contents.length, 0);
    log(
      `triage CLI: ${inputs.length} source files -> ${relative(PROJECT_ROOT, outdir)}/ (${(bytes / 1048576).toFixed(1)} MiB of JavaScript) in ${(performance.now() - started).toFixed(0)} ms`,
    );
    return result.metafile;
  } finally {
    unlock();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!(await buildCli({ log: console.log }))) {
    console.error(`another process is building the CLI into ${relative(PROJECT_ROOT, CLI_DIR)}/; not building`);
    process.exitCode = 1;
  }
}
