import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SEMI_SPACE_MB, WORKER_RESOURCE_LIMITS } from '../../../src/local/heap.ts';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const flag = `--max-semi-space-size=${SEMI_SPACE_MB}`;

describe("the local runtime's young generation", () => {
  it('is set for the main thread wherever the stack is started: npm start, the triage command, the benchmarks', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(flag);
    expect(scripts['bench:pipeline']).toContain(flag);
    expect(read('bin/triage.mjs').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flag}`);
    expect(read('bench/child-stack.ts')).toContain(['`--max-semi-space-size=$', '{SEMI_SPACE_MB}`'].join(''));
  });

  it("is three semi-spaces for the worker threads (V8's young generation)", () => {
    expect(WORKER_RESOURCE_LIMITS.maxYoungGenerationSizeMb).toBe(3 * SEMI_SPACE_MB);
  });
});
