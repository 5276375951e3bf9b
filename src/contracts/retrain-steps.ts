import { z } from 'zod';

/**
 * The payloads between the retraining workflow's states (see
 * workflows/retrain-model.asl.json): S3 keys, versions and a few figures,
 * never data.
 */
const executionName = z.string().min(1);
const version = z.string().min(1);
/** What the gate compares. */
const required = z.object({ accuracy: z.number(), macroF1: z.number(), coverageAtTarget: z.number() });
/** One model's figures on the holdout (targetPrecision null: no routing policy, the old fixed threshold). */
const figures = required.extend({
  coverage: z.number(),
  autoPrecision: z.number(),
  ece: z.number(),
  targetPrecision: z.number().nullable(),
});

export const gatherFeedbackInput = z.object({ executionName });

export const retrainInput = z.object({
  executionName,
  snapshotKey: z.string().min(1),
  watermark: z.string().nullable(),
});

export const evaluateInput = z.object({ executionName, candidateVersion: version, snapshotKey: z.string().min(1) });

export const evaluationSummary = z.object({
  evaluationKey: z.string().min(1),
  candidateVersion: version,
  inServiceVersion: version.nullable(),
  candidate: figures,
  inService: figures.nullable(),
  required,
  accepted: z.boolean(),
  reason: z.string(),
  holdoutRows: z.number().int().nonnegative(),
});

export const promoteInput = z.object({ executionName, evaluation: evaluationSummary });

/** What the execution state holds when a step fails (the Catch put the error in `error`). */
const failedState = z.looseObject({
  feedback: z.looseObject({}).optional(),
  candidate: z.looseObject({ version: version.optional() }).optional(),
  evaluation: z.looseObject({ accepted: z.boolean().optional() }).optional(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }),
});

/** `Reject` (reject-candidate): a candidate the gate rejected. */
export const rejectCandidateInput = z.object({
  kind: z.literal('rejected'),
  executionName,
  evaluation: evaluationSummary,
});

/** `RecordFailure` (record-retrain-failure): the whole state of a run a step of which failed. */
export const recordRetrainFailureInput = z.object({ kind: z.literal('failed'), executionName, state: failedState });

export type FailedState = z.infer<typeof failedState>;

/** The step a failed run stopped in, from what the state holds by then. */
export function failedStepOf(state: FailedState): string {
  if (state.evaluation) return state.evaluation.accepted ? 'Promote' : 'Reject';
  if (state.candidate) return 'Evaluate';
  if (state.feedback) return 'Retrain';
  return 'GatherFeedback';
}
