import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*[`'"]([^`'"]+)[`'"]/g)].map(
    (m) => (m[1] ?? m[2])!,
  );
}

/** The pure core may compute (node:crypto for checksums) but not touch AWS, files, network or processes. */
const FORBIDDEN =
  /^(@aws-sdk\/|aws-cdk-lib|@aws-lambda-powertools\/|node:(fs|net|http|https|child_process|dgram|dns|tls|worker_threads|cluster|os|process)|fs$|net$|http$|https$|child_process$)|^natural$/;

/** The core's own modules, the error base class (src/errors.ts imports nothing) and the schema library (src/zod.ts: zod/mini). */
const insideCore = (path: string) =>
  ['src/text/', 'src/model/'].some((dir) => relative(root, path).startsWith(dir)) ||
  ['src/errors.ts', 'src/zod.ts'].includes(relative(root, path));

describe('src/text and src/model are a pure core', () => {
  for (const dir of ['src/text', 'src/model']) {
    it(`${dir} imports nothing from AWS, Node I/O or natural's package root`, () => {
      const offending = sources(join(root, dir)).flatMap((file) =>
        imports(file)
          .filter((spec) => FORBIDDEN.test(spec) || (spec.startsWith('.') && !insideCore(resolve(dirname(file), spec))))
          .map((spec) => `${relative(root, file)}: ${spec}`),
      );
      expect(offending).toEqual([]);
    });
  }
});
