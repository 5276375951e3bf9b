/**
 * DynamoDB durability (dynalite on LevelDB).
 *
 * dynalite answers a write after LevelDB's put/del/batch has resolved, and
 * LevelDB appends every write to its log with write(2) before that: an
 * acknowledged write survives `kill -9` of the process as it is. Surviving
 * power loss needs LevelDB's `sync` option (an fsync of its log per write
 * group; LevelDB groups concurrent writers itself), which dynalite never
 * passes: `syncDynamoDbWrites()` makes it the default for every LevelDB
 * opened by dynalite in this thread.
 */
import { createRequire } from 'node:module';

type WriteMethod = (this: unknown, ...args: unknown[]) => Promise<unknown>;
const patched = Symbol.for('ticket-triage.local.leveldb-sync');

/** Makes LevelDB writes in this thread synchronous (fsync before they resolve). Idempotent. */
export async function syncDynamoDbWrites(): Promise<void> {
  const require = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { ClassicLevel } = require('classic-level') as {
    ClassicLevel: { prototype: Record<string | symbol, unknown> };
  };
  const proto = ClassicLevel.prototype;
  if (proto[patched]) return;
  // _put(key, value, options), _del(key, options), _batch(operations, options): options is the last argument.
  for (const method of ['_put', '_del', '_batch'] as const) {
    const original = proto[method] as WriteMethod;
    proto[method] = function withSync(this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      args[last] = { ...(args[last] as object), sync: true };
      return original.apply(this, args);
    };
  }
  proto[patched] = true;
}
