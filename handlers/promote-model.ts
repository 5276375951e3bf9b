import { promoteInput } from '../src/contracts/retrain-steps.ts';
import { parseStepInput } from '../src/contracts/steps.ts';
import { handlerContext } from '../src/lambda/context.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { logger } from '../src/lambda/logger.ts';
import { promoteCandidate, type Decision } from '../src/retraining/decide.ts';

/**
 * `Promote`: moves the in-service pointer to the candidate, only if the model
 * in service is still the one it was evaluated against (conditional write);
 * otherwise records the candidate as superseded and leaves the pointer alone.
 */
export const handler = async (event: unknown): Promise<Decision> => {
  const input = parseStepInput(promoteInput, event, 'Promote');
  const decision = await withTransientErrors(promoteCandidate(handlerContext().registry, input.evaluation));
  logger.info('candidate decided', {
    executionName: input.executionName,
    modelVersion: decision.candidateVersion,
    outcome: decision.outcome,
    inServiceVersion: decision.inServiceVersion,
  });
  return decision;
};
