// The modules the local Lambda instances share (src/local-stack/shared-modules.ts) hold no
// module-level state, and whatever they import is shared too (else it would exist twice).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_MODULES } from '../../../src/local-stack/shared-modules.ts';
import { projectPath } from '../../../src/workflows/catalog.ts';

const root = projectPath('');
const isShared = (file: string): boolean => {
  const rel = relative(root, file);
  return SHARED_MODULES.some(({ path }) => (path.endsWith('/') ? rel.startsWith(path) : rel === path));
};

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const file = join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });

const sources = filesUnder(projectPath('src')).filter((f) => /\.(ts|mts|mjs|js)$/.test(f) && !f.endsWith('.d.ts'));
const shared = sources.filter(isShared);

/** The project files a module imports at run time (`import type` and `export type` are erased; nothing else is). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s));
}

describe('the modules local Lambda instances share', () => {
  it('exist', () => {
    for (const { path } of SHARED_MODULES) expect(existsSync(projectPath(path)), path).toBe(true);
    expect(shared.length).toBeGreaterThan(40);
  });

  it('import only shared modules (a module outside the list would have two copies, and two classes of each error)', () => {
    const outside = shared.flatMap((file) =>
      runtimeImports(file)
        .filter((target) => !isShared(target))
        .map((target) => `${relative(root, file)} imports ${relative(root, target)}`),
    );
    expect(outside).toEqual([]);
  });

  it('declare no module-level variables (state), but for the one lazily built immutable value', () => {
    const allowed = new Set(['src/text/wordnet/index.ts']);
    const withState = shared
      .filter((file) => !allowed.has(relative(root, file)))
      .filter((file) => /^(?:export\s+)?(?:let|var)\s/m.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(withState).toEqual([]);
  });

  it('leave out the modules that hold state: settings, SDK clients, handler context, logger, idempotency records, handlers', () => {
    for (const path of [
      'src/config.ts',
      'src/aws/clients.ts',
      'src/aws/loopback-client-settings.ts',
      'src/lambda/context.ts',
      'src/lambda/logger.ts',
      'src/lambda/once-per-ticket.ts',
      'handlers/start-classification.ts',
      'handlers/publish-result.ts',
    ])
      expect(isShared(projectPath(path)), path).toBe(false);
  });
});
