import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes a benchmark's result as `bench/results/<name>-<timestamp>.json`; returns the path. */
export function saveBenchResult(name: string, output: { readonly at: string }): string {
  mkdirSync(join('bench', 'results'), { recursive: true });
  const file = join('bench', 'results', `${name}-${output.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(output, null, 2));
  return file;
}
