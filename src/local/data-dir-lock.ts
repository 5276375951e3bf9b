/**
 * One runtime per data directory: `<dataDir>/runtime.lock` names the process
 * that has it (pid, start time, and its endpoints once they listen). A second
 * runtime on the same directory is refused with `DataDirInUseError` before it
 * opens anything; a lock whose process is gone (a crash, `kill -9`) is stale
 * and is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface DataDirLockInfo {
  readonly pid: number;
  readonly startedAt: string;
  /** Filled in once the servers listen. */
  readonly endpoints?: Readonly<Record<string, string>>;
}

export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirLockInfo,
  ) {
    const gateway = holder.endpoints?.gateway;
    super(
      `the data directory ${dataDir} is in use by a running local stack (pid ${holder.pid}` +
        `${gateway ? `, AWS endpoint ${gateway}` : ''}, since ${holder.startedAt})`,
    );
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Adds the endpoints to the lock file (for the message a second runtime gets). */
  update(endpoints: Record<string, string>): void;
  release(): void;
}

export const lockFilePath = (dataDir: string): string => join(dataDir, 'runtime.lock');

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): DataDirLockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as DataDirLockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined; // gone, or torn by a crash while it was written
  }
}

/** Takes the data directory's lock, or throws `DataDirInUseError` naming the process that has it. */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = lockFilePath(dataDir);
  const info: DataDirLockInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw error;
      const holder = readHolder(path);
      if (holder && processAlive(holder.pid)) throw new DataDirInUseError(dataDir, holder);
      if (!holder && attempt === 0) {
        // Another process may be writing it right now: look again before calling it stale.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      rmSync(path, { force: true }); // stale: its process is gone
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(info));
    } finally {
      closeSync(fd);
    }
    break;
  }
  let released = false;
  return {
    path,
    update(endpoints) {
      if (!released) writeFileSync(path, JSON.stringify({ ...info, endpoints }));
    },
    release() {
      if (released) return;
      released = true;
      if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}
