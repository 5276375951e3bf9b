/**
 * The young generation (V8's nursery) of the local runtime's threads.
 *
 * Under load, a ticket's objects (HTTP requests and responses, SDK contexts,
 * interpreter states) live for the milliseconds its execution runs: with
 * Node's default 16 MiB semi-space, hundreds of executions in flight make
 * most of them survive a scavenge or two and get copied. A 32 MiB
 * semi-space halves the scavenges and most of that copying
 * (`npm run bench:pipeline`: see src/local/README.md). It is an upper bound:
 * V8 grows the nursery to it only while allocation is that fast.
 */

/** Semi-space size for the runtime's threads, in MiB (`--max-semi-space-size`). */
export const SEMI_SPACE_MB = 32;

/**
 * `resourceLimits` for the runtime's worker threads: V8's young generation
 * is three semi-spaces (two, plus the space for large new objects).
 */
export const WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 3 * SEMI_SPACE_MB } as const;
