import { config, ConfigError } from '../src/config.ts';
import { isProfileName, PROFILE_NAMES } from '../src/model/profiles.ts';
import { retrainInput } from '../src/contracts/retrain-steps.ts';
import { parseStepInput } from '../src/contracts/steps.ts';
import { handlerContext } from '../src/lambda/context.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { logger } from '../src/lambda/logger.ts';
import { trainCandidate, type CandidateSummary } from '../src/retraining/retrain.ts';

/**
 * `Retrain`: base training set + the feedback snapshot's training rows -> a
 * candidate version in S3, registered; its routing threshold fitted for
 * TARGET_PRECISION on validation rows it was not fitted on.
 */
export const handler = async (event: unknown): Promise<CandidateSummary> => {
  const input = parseStepInput(retrainInput, event, 'Retrain');
  const settings = config();
  const profile = settings.RETRAIN_PROFILE;
  if (profile !== undefined && !isProfileName(profile)) {
    throw new ConfigError(`RETRAIN_PROFILE "${profile}" is not a profile (${PROFILE_NAMES.join(', ')})`);
  }
  const context = handlerContext();
  const started = Date.now();
  const candidate = await withTransientErrors(
    trainCandidate(
      { store: context.modelStore, registry: context.registry },
      {
        ...input,
        ...(profile && { profile }),
        targetPrecision: settings.TARGET_PRECISION,
        maxRows: settings.RETRAIN_MAX_ROWS,
      },
    ),
  );
  logger.info('candidate trained', {
    executionName: input.executionName,
    modelVersion: candidate.version,
    parentVersion: candidate.parentVersion,
    trainingRows: candidate.trainingRows,
    feedbackRows: candidate.feedbackRows,
    droppedFeedbackRows: candidate.droppedFeedbackRows,
    routing: candidate.routing,
    seconds: (Date.now() - started) / 1000,
  });
  return candidate;
};
