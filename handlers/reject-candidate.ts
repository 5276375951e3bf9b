import { withTransientErrors } from '../src/aws/errors.ts';
import { rejectCandidateInput } from '../src/contracts/retrain-steps.ts';
import { parseStepInput } from '../src/contracts/steps.ts';
import { handlerContext } from '../src/lambda/context.ts';
import { logger } from '../src/lambda/logger.ts';
import { rejectCandidate, type Decision } from '../src/retraining/decide.ts';

/** `Reject`: records why the gate did not put the candidate in service; never touches the pointer. */
export const handler = async (event: unknown): Promise<Decision> => {
  const input = parseStepInput(rejectCandidateInput, event, 'Reject');
  const decision = await withTransientErrors(rejectCandidate(handlerContext().registry, input.evaluation));
  logger.info('candidate decided', {
    executionName: input.executionName,
    modelVersion: decision.candidateVersion,
    outcome: decision.outcome,
  });
  return decision;
};
