import { config } from '../src/config.ts';
import { evaluateInput } from '../src/contracts/retrain-steps.ts';
import { parseStepInput } from '../src/contracts/steps.ts';
import { handlerContext } from '../src/lambda/context.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { logger } from '../src/lambda/logger.ts';
import { evaluateCandidate, type EvaluationSummary } from '../src/retraining/evaluate.ts';

/**
 * `Evaluate`: the candidate and the model in service on the same holdout (each
 * routing under its own policy); the full report goes to S3, the figures the
 * gate compares come back.
 */
export const handler = async (event: unknown): Promise<EvaluationSummary> => {
  const input = parseStepInput(evaluateInput, event, 'Evaluate');
  const settings = config();
  const context = handlerContext();
  const evaluation = await withTransientErrors(
    evaluateCandidate(
      { store: context.modelStore, registry: context.registry },
      {
        ...input,
        tolerances: {
          accuracy: settings.ACCURACY_TOLERANCE,
          macroF1: settings.MACRO_F1_TOLERANCE,
          coverage: settings.COVERAGE_TOLERANCE,
        },
      },
    ),
  );
  logger.info('candidate evaluated', {
    executionName: input.executionName,
    modelVersion: evaluation.candidateVersion,
    inServiceVersion: evaluation.inServiceVersion,
    candidate: evaluation.candidate,
    inService: evaluation.inService,
    accepted: evaluation.accepted,
    holdoutRows: evaluation.holdoutRows,
  });
  return evaluation;
};
