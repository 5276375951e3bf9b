import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/**
 * The team's shared folder (dataset and scikit-learn reference outputs) lives
 * next to the checkout. It is read from there, never copied into the project;
 * tests that need it skip, saying so, where it is absent (e.g. on CI).
 */
export const SHARED_DIR = process.env.TRIAGE_SHARED_DIR ?? fileURLToPath(new URL('../../../shared', import.meta.url));

export const sharedFile = (...parts: string[]): string => join(SHARED_DIR, ...parts);
export const hasShared = (...parts: string[]): boolean => existsSync(sharedFile(...parts));
