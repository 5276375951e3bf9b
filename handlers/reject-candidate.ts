import { causeMessage, failedStepOf, rejectInput } from '../src/contracts/retrain-steps.ts';
import { parseStepInput } from '../src/contracts/steps.ts';
import { handlerContext } from '../src/lambda/context.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { logger } from '../src/lambda/logger.ts';
import { recordRetrainFailure, rejectCandidate, type Decision, type FailureRecord } from '../src/retraining/decide.ts';

/**
 * Records why a candidate is not put in service, and never touches the pointer:
 * `Reject` (`kind: rejected`, the gate said no) and `RecordFailure`
 * (`kind: failed`, a step of the run failed: its candidates are recorded as failed).
 */
export const handler = async (event: unknown): Promise<Decision | FailureRecord> => {
  const input = parseStepInput(rejectInput, event, 'Reject');
  const registry = handlerContext().registry;
  if (input.kind === 'rejected') {
    const decision = await withTransientErrors(rejectCandidate(registry, input.evaluation));
    logger.info('candidate decided', {
      executionName: input.executionName,
      modelVersion: decision.candidateVersion,
      outcome: decision.outcome,
    });
    return decision;
  }
  const { state } = input;
  const step = failedStepOf(state);
  const failure = await withTransientErrors(
    recordRetrainFailure(registry, {
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
