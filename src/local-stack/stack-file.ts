import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm start` keeps its data unless told otherwise. */
export const DEFAULT_DATA_DIR = '.data';

/**
 * `npm start` writes this file so that `triage` commands in another terminal
 * find the running local stack (its endpoints, queue URLs, state machines).
 */
export interface StackFile {
  readonly pid: number;
  readonly startedAt: string;
  readonly webUrl?: string;
  readonly environment: Record<string, string>;
}

export const stackFilePath = (dataDir: string): string => join(dataDir, 'local-stack.json');

export function writeStackFile(dataDir: string, file: StackFile): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(stackFilePath(dataDir), JSON.stringify(file, null, 2));
}

export function removeStackFile(dataDir: string): void {
  rmSync(stackFilePath(dataDir), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running local stack's file, or undefined when none is running. */
export function readStackFile(dataDir: string): StackFile | undefined {
  let file: StackFile;
  try {
    file = JSON.parse(readFileSync(stackFilePath(dataDir), 'utf8')) as StackFile;
  } catch {
    return undefined;
  }
  return alive(file.pid) ? file : undefined;
}
