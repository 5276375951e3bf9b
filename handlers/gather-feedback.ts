import { config } from '../src/config.ts';
import { gatherFeedbackInput } from '../src/contracts/retrain-steps.ts';
import { parseStepInput } from '../src/contracts/steps.ts';
import { handlerContext } from '../src/lambda/context.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { logger } from '../src/lambda/logger.ts';
import { gatherFeedback, type GatherResult } from '../src/retraining/gather.ts';

/**
 * `GatherFeedback`: every ticket with feedback -> a snapshot (JSON lines) in
 * S3, when at least MIN_NEW_FEEDBACK items are new since the last judged
 * retraining; otherwise `enough: false` and the workflow stops there.
 */
export const handler = async (event: unknown): Promise<GatherResult> => {
  const input = parseStepInput(gatherFeedbackInput, event, 'GatherFeedback');
  const settings = config();
  const context = handlerContext();
  const result = await withTransientErrors(
    gatherFeedback(
      { feedback: context.feedback, registry: context.registry, store: context.modelStore },
      {
        executionName: input.executionName,
        minNewFeedback: settings.MIN_NEW_FEEDBACK,
        holdoutShare: settings.FEEDBACK_HOLDOUT_SHARE,
      },
    ),
  );
  logger.info('feedback gathered', {
    executionName: input.executionName,
    total: result.total,
    newSinceWatermark: result.newSinceWatermark,
    enough: result.enough,
    snapshotKey: result.snapshotKey,
  });
  return result;
};
