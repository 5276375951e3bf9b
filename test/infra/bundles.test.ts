import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUDGETS } from '../../infra/functions/bundle-budgets.ts';
import { bundleHandler, bundleSizes, TRAINING_HANDLERS, type BundleSizes } from '../../infra/functions/bundling.ts';
import { IN_THREAD_RUNNER, fitTfidf, oneVsRestProblem, rowSquaredNorms } from '../../src/model/index.ts';
import { BUNDLED_WORKER_FILE, createSolverPool } from '../../src/training/solver-pool.ts';
import { topicCorpus } from '../support/topic-corpus.ts';
import { REFERENCE_PREPROCESS } from '../../src/text/config.ts';
import { createPreprocessor } from '../../src/text/preprocess.ts';
import { OTHER_FUNCTIONS, WORKFLOWS } from '../../src/workflows/catalog.ts';
import { logicalId, synth, type CfnTemplate } from './support.ts';

const run = promisify(execFile);

/** Every Lambda handler the stack can deploy (catalog + other functions). */
const ALL_HANDLERS = [
  ...new Set([
    ...Object.values(WORKFLOWS).flatMap((w) => Object.values(w.functions)),
    ...Object.values(OTHER_FUNCTIONS),
  ]),
];

interface Bundle {
  readonly dir: string;
  readonly metafile: Metafile;
  readonly sizes: BundleSizes;
}
const bundles = new Map<string, Bundle>();

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

beforeAll(async () => {
  // Exactly what the CDK construct runs (TriageFunction -> bundleHandlerSync -> bundleOptions).
  await Promise.all(
    ALL_HANDLERS.map(async (handler) => {
      const dir = mkdtempSync(join(tmpdir(), `bundle-${handler}-`));
      const metafile = await bundleHandler(handler, dir);
      bundles.set(handler, { dir, metafile, sizes: bundleSizes(metafile) });
    }),
  );
  const rows = ALL_HANDLERS.map((handler) => {
    const { sizes } = bundles.get(handler)!;
    const budget = BUNDLE_BUDGETS[handler];
    return `${handler.padEnd(22)} ${kib(sizes.startupBytes).padStart(9)} / ${budget ? kib(budget.startup) : '?'}   ${kib(sizes.totalBytes).padStart(9)} / ${budget ? kib(budget.total) : '?'}   ${kib(sizes.sourceMapBytes).padStart(9)}`;
  });
  console.log(
    [
      `Lambda bundles (minified ESM), measured / budget:`,
      `${'handler'.padEnd(22)} ${'startup'.padStart(9)}            ${'total'.padStart(9)}              source maps`,
      ...rows,
    ].join('\n'),
  );
}, 120_000);

const inputsOf = (handler: string) => Object.keys(bundles.get(handler)!.metafile.inputs);

describe('Lambda bundles', () => {
  it('bundles every handler of the catalog', () => {
    expect([...bundles.keys()].sort()).toEqual([...ALL_HANDLERS].sort());
  });

  it.each(ALL_HANDLERS)('%s is within its budget (budgets in infra/functions/bundle-budgets.ts)', (handler) => {
    const budget = BUNDLE_BUDGETS[handler];
    expect(budget, `no budget for ${handler}`).toBeDefined();
    const { sizes } = bundles.get(handler)!;
    expect(sizes.startupBytes).toBeLessThanOrEqual(budget!.startup);
    expect(sizes.totalBytes).toBeLessThanOrEqual(budget!.total);
    expect(sizes.startupBytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it.each(ALL_HANDLERS)(
    "%s contains no aws-cdk-lib, constructs, cdk-nag, esbuild, nor natural's package root; natural's stemmers only in lazy chunks",
    (handler) => {
      const { metafile, sizes } = bundles.get(handler)!;
      const inputs = inputsOf(handler);
      for (const pkg of ['aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild', 'vitest']) {
        expect(
          inputs.filter((i) => i.includes(`node_modules/${pkg}/`)),
          pkg,
        ).toEqual([]);
      }
      expect(inputs.some((i) => i.includes('/infra/') || i.startsWith('infra/'))).toBe(false);
      // natural's root (index.js, lib/natural/index.js) loads mongoose/pg/redis and reads .env.
      const natural = inputs.filter((i) => i.includes('node_modules/natural/'));
      expect(natural.filter((i) => /node_modules\/natural\/(index\.js|lib\/natural\/index\.js)$/.test(i))).toEqual([]);
      for (const input of natural)
        expect(input).toMatch(/node_modules\/natural\/lib\/natural\/(stemmers|util|tokenizers|normalizers)\//);
      for (const [path, output] of Object.entries(metafile.outputs)) {
        if (Object.keys(output.inputs).some((i) => i.includes('node_modules/natural/'))) {
          expect(Object.keys(sizes.lazyChunks), `${path} holds natural code but is loaded at startup`).toContain(
            path.slice(path.lastIndexOf('/') + 1),
          );
        }
      }
    },
  );

  it('the preprocess bundle inlines the WordNet JSON, in a chunk loaded only when lemmatizing', () => {
    const { metafile, sizes } = bundles.get('preprocess-ticket')!;
    expect(inputsOf('preprocess-ticket')).toContain('src/text/wordnet/nouns.generated.json');
    const [chunk, output] = Object.entries(metafile.outputs).find(
      ([, o]) => 'src/text/wordnet/nouns.generated.json' in o.inputs,
    )!;
    expect(output.bytes).toBeGreaterThan(1_000_000);
    expect(Object.keys(sizes.lazyChunks)).toContain(chunk.slice(chunk.lastIndexOf('/') + 1));
    // No output still imports a JSON file at run time.
    for (const o of Object.values(metafile.outputs))
      for (const imported of o.imports) expect(imported.path).not.toMatch(/\.json$/);
  });

  it('the start-classification bundle has no model or text code at all', () => {
    expect(
      inputsOf('start-classification').filter((i) => i.startsWith('src/text/') || i.startsWith('src/model/')),
    ).toEqual([]);
  });

  it.each(ALL_HANDLERS)('%s loads as an ES module in Node and exports handler()', async (handler) => {
    const entry = join(bundles.get(handler)!.dir, 'index.mjs');
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); console.log(typeof m.handler);`],
      {
        env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    expect(stdout.trim()).toBe('function');
  });

  it.each(ALL_HANDLERS)('%s has the solver threads entry (training-worker.mjs) if and only if it trains', (handler) => {
    const dir = bundles.get(handler)!.dir;
    expect(existsSync(join(dir, BUNDLED_WORKER_FILE))).toBe(TRAINING_HANDLERS.includes(handler));
  });

  it("the retrain bundle's solver threads fit classes as the sources do, and its handler looks for them beside index.mjs", async () => {
    const dir = bundles.get('train-candidate')!.dir;
    // The handler's pool resolves the worker relative to the file it is bundled in (index.mjs here).
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).toContain(BUNDLED_WORKER_FILE);
    const { docs, y, labels } = topicCorpus(300, 2);
    const x = fitTfidf(docs, { ngramRange: [1, 2], float32: true, sharedMemory: true }).matrix;
    const options = { c: 0.5, tolerance: 0.5, classWeight: 'balanced' as const, seed: 1 };
    const expected = oneVsRestProblem(x, y, labels.length, options);
    await IN_THREAD_RUNNER.solve([expected]);
    const pool = createSolverPool({ threads: 3, workerUrl: pathToFileURL(join(dir, BUNDLED_WORKER_FILE)) });
    try {
      const problem = oneVsRestProblem(x, y, labels.length, options, {
        shared: true,
        sqNorm: rowSquaredNorms(x, 1, true),
      });
      await pool.solve([problem]);
      expect(pool.degraded).toBeUndefined();
      expect(pool.threads).toBe(3);
      expect(Array.from(problem.weights)).toEqual(Array.from(expected.weights));
    } finally {
      await pool.close();
    }
  });

  it.each([
    ['lemmatizes (loads the WordNet chunk)', { kind: 'wordnet-lemma' }],
    ["stems (loads natural's Porter stemmer chunk)", { kind: 'stem', language: 'en' }],
  ] as const)(
    'the bundled Preprocess step %s like the source does, with a model manifest from S3',
    async (_name, normalizer) => {
      const preprocess = { ...REFERENCE_PREPROCESS, normalizer };
      const manifest = {
        format: 'ticket-triage-model',
        formatVersion: 1,
        version: 'v-test',
        createdAt: '2026-11-28T00:00:00.000Z',
        profile: 'reference',
        parameters: { classifier: 'multinomial-naive-bayes', alpha: 1, softmaxScale: 1, ngramMin: 1, ngramMax: 2 },
        preprocess,
        labels: ['a', 'b'],
        numFeatures: 1,
        trainingRows: 2,
        parts: {
          vectorizer: { file: 'vectorizer.bin', sha256: '0'.repeat(64), bytes: 1 },
          classifier: { file: 'classifier.bin', sha256: '0'.repeat(64), bytes: 1 },
        },
        lineage: { dataset: { sha256: '0'.repeat(64), rows: 2, source: 'test' } },
      };
      const text = 'The printers were broken and the mice are missing; installing new servers';
      const expected = (await createPreprocessor(preprocess)).preprocess(text);
      const requested: string[] = [];
      const server = createServer((request, response) => {
        requested.push(`${request.method} ${request.url}`);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(manifest));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const entry = join(bundles.get('preprocess-ticket')!.dir, 'index.mjs');
        const script = `const { handler } = await import(${JSON.stringify(entry)}); console.log(JSON.stringify(await handler({ text: ${JSON.stringify(text)}, modelVersion: 'v-test' })));`;
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
          cwd: tmpdir(), // no node_modules to fall back on, as in Lambda
          env: {
            ...process.env,
            AWS_REGION: 'us-east-1',
            AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            MODEL_BUCKET: 'models-bucket',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        });
        const result = JSON.parse(stdout.trim().split('\n').pop()!) as { tokens: string[]; truncated: boolean };
        expect(result).toEqual({ tokens: expected.tokens, truncated: false });
        expect(result.tokens.length).toBeGreaterThan(4);
        expect(requested).toEqual(['GET /models-bucket/models/v-test/manifest.json?x-id=GetObject']);
      } finally {
        server.close();
      }
    },
  );
});

describe('bundling in the CDK app is the same bundling, and skipping it changes only asset hashes', () => {
  let bundled: ReturnType<typeof synth>;
  let skipped: ReturnType<typeof synth>;
  beforeAll(() => {
    bundled = synth({ bundle: true });
    skipped = synth({ bundle: false });
  }, 120_000);

  it('each function asset is the bundle bundleOptions() makes (index.mjs byte for byte, same files)', () => {
    const functions = {
      ...bundled.stack.classification.steps,
      [OTHER_FUNCTIONS.startClassification]: bundled.stack.classification.startClassification,
      ...bundled.stack.retrain.steps,
      [OTHER_FUNCTIONS.reviewApi]: bundled.stack.reviewApi.handler,
    };
    expect(Object.keys(functions).sort()).toEqual([...ALL_HANDLERS].sort());
    for (const [handler, fn] of Object.entries(functions)) {
      const s3Key = bundled.json.Resources[logicalId(fn.function)]!.Properties!.Code.S3Key as string;
      const assetDir = join(bundled.assemblyDir, `asset.${s3Key.replace(/\.zip$/, '')}`);
      const ours = bundles.get(handler)!.dir;
      expect(readFileSync(join(assetDir, 'index.mjs')).equals(readFileSync(join(ours, 'index.mjs'))), handler).toBe(
        true,
      );
      expect(readdirSync(join(assetDir, 'chunks')).sort(), handler).toEqual(readdirSync(join(ours, 'chunks')).sort());
    }
  });

  it('every function has its own asset', () => {
    const keys = Object.values(bundled.json.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => JSON.stringify(r.Properties!.Code.S3Key));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the template without bundling equals the template with bundling, asset hashes aside', () => {
    const normalize = (template: CfnTemplate) => {
      const text = JSON.stringify(template);
      const hashes = new Set<string>();
      for (const resource of Object.values(template.Resources)) {
        if (resource.Type !== 'AWS::Lambda::Function') continue;
        hashes.add(String(resource.Properties!.Code.S3Key).replace(/\.zip$/, ''));
      }
      expect(hashes.size).toBeGreaterThan(0);
      let normalized = text;
      for (const hash of hashes) normalized = normalized.split(hash).join('<asset-hash>');
      return JSON.parse(normalized) as unknown;
    };
    expect(normalize(skipped.json)).toEqual(normalize(bundled.json));
  });
});
