import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, buildSync, type BuildOptions, type BuildResult, type Metafile } from 'esbuild';
import { BUNDLED_WORKER_FILE } from '../../src/training/solver-pool.ts';
import { projectPath } from '../../src/workflows/catalog.ts';

/** Absolute path of the project root (where `handlers/` and `package.json` are). */
export const PROJECT_ROOT = projectPath('');

/** The Lambda handlers: one file per Lambda in `handlers/`, named like the catalog names them. */
export const handlerEntry = (handler: string): string => join(PROJECT_ROOT, 'handlers', `${handler}.ts`);

/**
 * Handlers that train a model. Their bundle has a second entry point beside
 * `index.mjs`: `training-worker.mjs`, the solver threads' code (see
 * `src/training/solver-pool.ts`, which looks for it there).
 */
export const TRAINING_HANDLERS: readonly string[] = ['train-candidate'];

/** The solver threads' entry module (bundled as {@link BUNDLED_WORKER_FILE}). */
export const TRAINING_WORKER_ENTRY = join(PROJECT_ROOT, 'src', 'training', 'solver-worker.ts');

/** The Node.js version the bundles target; keep in step with the Lambda runtime (`nodejs22.x`). */
export const BUNDLE_TARGET = 'node22';

/**
 * A bundled ESM file that calls `require()` (CommonJS dependencies do, for Node
 * built-ins) needs a `require` in scope: ESM has none. This banner defines one.
 */
export const ESM_REQUIRE_SHIM =
  "import { createRequire as __triageCreateRequire } from 'node:module'; const require = __triageCreateRequire(import.meta.url);";

/**
 * The esbuild options of one Lambda bundle: the ONLY place they are defined.
 * The CDK construct ({@link TriageFunction}) bundles with exactly these options
 * and so does the bundle-budget test, so the two cannot disagree.
 *
 * - ESM (`index.mjs`), minified, for Node.js 22, every dependency bundled
 *   (including the AWS SDK v3: the versions we test are the versions we run,
 *   and a tree-shaken bundle loads faster than the runtime's full SDK).
 * - `splitting`: code reached only through a dynamic `import()` lands in its
 *   own chunk, loaded only when that code runs. The WordNet noun data (~1.5 MB,
 *   only for lemmatizing) and the SDK's unused credential providers are never
 *   parsed by a cold start of a handler that does not need them.
 * - `mainFields: module, main`: prefer the packages' ESM builds (better tree shaking).
 * - External source maps without sources content (readable stack traces with
 *   `NODE_OPTIONS=--enable-source-maps`, small deployment packages).
 * - JSON imports (`with { type: 'json' }`) are inlined by esbuild's json loader.
 * - A training handler ({@link TRAINING_HANDLERS}) gets the solver threads'
 *   entry as a second entry point (`training-worker.mjs`); what it shares with
 *   the handler (the solver) lands in a chunk both import.
 */
export function bundleOptions(handler: string, outdir: string): BuildOptions & { metafile: true; outdir: string } {
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: {
      index: handlerEntry(handler),
      ...(TRAINING_HANDLERS.includes(handler) && {
        [BUNDLED_WORKER_FILE.replace(/\.mjs$/, '')]: TRAINING_WORKER_ENTRY,
      }),
    },
    outdir,
    bundle: true,
    platform: 'node',
    target: BUNDLE_TARGET,
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    legalComments: 'none',
    banner: { js: ESM_REQUIRE_SHIM },
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.json': 'json' },
    metafile: true,
    logLevel: 'silent',
  };
}

/**
 * Where bundles are built before they are copied to their destination. The
 * source maps name their sources relative to the directory esbuild writes to,
 * and esbuild's chunk hashes cover the maps; building at a fixed depth under
 * the project makes a bundle the same bytes wherever it ends up (cdk.out of
 * any checkout, a test's temporary directory), so an unchanged handler keeps
 * its asset hash and is not redeployed.
 */
const SCRATCH_ROOT = join(PROJECT_ROOT, 'node_modules', '.cache', 'ticket-triage-bundles');

function scratchDir(handler: string): string {
  mkdirSync(SCRATCH_ROOT, { recursive: true });
  return mkdtempSync(join(SCRATCH_ROOT, `${handler}-`));
}

function deliver(scratch: string, outputDir: string, result: BuildResult<{ metafile: true }>): Metafile {
  if (result.errors.length > 0) throw new Error(`esbuild: ${result.errors.map((e) => e.text).join('; ')}`);
  mkdirSync(outputDir, { recursive: true });
  cpSync(scratch, outputDir, { recursive: true });
  rmSync(scratch, { recursive: true, force: true });
  return result.metafile;
}

/** Bundles one handler into `outputDir` (what the CDK construct runs). Returns the esbuild metafile. */
export function bundleHandlerSync(handler: string, outputDir: string): Metafile {
  const scratch = scratchDir(handler);
  try {
    return deliver(scratch, outputDir, buildSync(bundleOptions(handler, scratch)));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The same as {@link bundleHandlerSync}, asynchronously (tests bundle several handlers at once). */
export async function bundleHandler(handler: string, outputDir: string): Promise<Metafile> {
  const scratch = scratchDir(handler);
  try {
    return deliver(scratch, outputDir, await build(bundleOptions(handler, scratch)));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Sizes of one bundle, from its esbuild metafile. */
export interface BundleSizes {
  /** `index.mjs` and every chunk it imports statically: what a cold start loads and parses. */
  readonly startupBytes: number;
  /** Every `.mjs` file of the bundle (including chunks loaded only on demand). */
  readonly totalBytes: number;
  /** Every `.map` file. */
  readonly sourceMapBytes: number;
  /** Chunks loaded only through a dynamic import, with their sizes. */
  readonly lazyChunks: Readonly<Record<string, number>>;
}

/** Measures a bundle from its metafile (paths in the metafile are relative to `absWorkingDir`). */
export function bundleSizes(metafile: Metafile): BundleSizes {
  const outputs = metafile.outputs;
  const entry = Object.keys(outputs).find((path) => /(^|\/)index\.mjs$/.test(path));
  if (!entry) throw new Error('the bundle has no index.mjs');
  const startup = new Set<string>();
  const visit = (path: string) => {
    if (startup.has(path)) return;
    startup.add(path);
    for (const imported of outputs[path]?.imports ?? [])
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(entry);
  let totalBytes = 0;
  let sourceMapBytes = 0;
  const lazyChunks: Record<string, number> = {};
  for (const [path, output] of Object.entries(outputs)) {
    if (path.endsWith('.map')) sourceMapBytes += output.bytes;
    else {
      totalBytes += output.bytes;
      if (!startup.has(path)) lazyChunks[path.slice(path.lastIndexOf('/') + 1)] = output.bytes;
    }
  }
  const startupBytes = [...startup].reduce((sum, path) => sum + outputs[path]!.bytes, 0);
  return { startupBytes, totalBytes, sourceMapBytes, lazyChunks };
}
