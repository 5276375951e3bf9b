import type { Logger } from '@aws-lambda-powertools/logger';
import { loadOnce } from '../load-once.ts';

const loggerModule = loadOnce(() => import('./logger.ts'));

/**
 * The Powertools logger (`logger.ts`), imported with the first line a
 * classification step logs: its `node:crypto` import and stdout setup were
 * most of a small handler's module load (see load-context.ts for the same
 * reasoning about the SDK clients).
 */
export async function loadLogger(): Promise<Logger> {
  return (await loggerModule()).logger;
}
