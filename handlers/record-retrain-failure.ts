import { withTransientErrors } from '../src/aws/errors.ts';
import { failedStepOf, recordRetrainFailureInput } from '../src/contracts/retrain-steps.ts';
import { causeMessage } from '../src/contracts/step-errors.ts';
import { parseStepInput } from '../src/contracts/steps.ts';
import { handlerContext } from '../src/lambda/context.ts';
import { logger } from '../src/lambda/logger.ts';
import { recordRetrainFailure, type FailureRecord } from '../src/retraining/decide.ts';

/**
 * `RecordFailure` of `retrain-model`: a step of the run failed; the run's
 * candidates are recorded as failed with the cause. Never touches the pointer.
 */
export const handler = async (event: unknown): Promise<FailureRecord> => {
  const input = parseStepInput(recordRetrainFailureInput, event, 'RecordFailure');
  const { state } = input;
  const step = failedStepOf(state);
  const failure = await withTransientErrors(
    recordRetrainFailure(handlerContext().registry, {
      executionName: input.executionName,
      step,
      error: state.error.Error,
      cause: causeMessage(state.error.Cause),
      ...(state.candidate?.version && { candidateVersion: state.candidate.version }),
    }),
  );
  logger.warn('retraining failed', {
    executionName: input.executionName,
    step,
    error: state.error.Error,
    failedVersions: failure.failedVersions,
  });
  return failure;
};
