import { config } from '../src/config.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { loadHandlerContext } from '../src/lambda/load-context.ts';
import { NoModelInServiceError } from '../src/contracts/step-errors.ts';

let cached: { version: string; until: number } | undefined;

/**
 * First state of `classify-ticket`: reads which model version is in service
 * and pins it for the whole execution, so a promotion mid-flight never mixes
 * two models' parts. (Cached in the warm container for POINTER_CACHE_SECONDS.)
 */
export const handler = async (): Promise<{ modelVersion: string }> => {
  const now = Date.now();
  if (cached && cached.until > now) return { modelVersion: cached.version };
  const pointer = await withTransientErrors((await loadHandlerContext()).registry.inService());
  if (!pointer)
    throw new NoModelInServiceError('no model is in service: train and promote one first (`triage bootstrap`)');
  cached = { version: pointer.modelVersion, until: now + config().POINTER_CACHE_SECONDS * 1000 };
  return { modelVersion: pointer.modelVersion };
};
