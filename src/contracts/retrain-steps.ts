import * as z from '../zod.ts';

/**
 * The payloads between the retraining workflow's states (see
 * workflows/retrain-model.asl.json): S3 keys, versions and a few figures,
 * never data.
 */
const executionName = z.string().check(z.minLength(1));
const version = z.string().check(z.minLength(1));
/** What the gate compares. */
const required = z.object({ accuracy: z.number(), macroF1: z.number(), coverageAtTarget: z.number() });
/** One model's figures on the holdout (targetPrecision null: no routing policy, the old fixed threshold). */
const figures = z.extend(required, {
  coverage: z.number(),
  autoPrecision: z.number(),
  ece: z.number(),
  targetPrecision: z.nullable(z.number()),
});

export const gatherFeedbackInput = z.object({ executionName });

export const retrainInput = z.object({
  executionName,
  snapshotKey: z.string().check(z.minLength(1)),
  watermark: z.nullable(z.string()),
});

export const evaluateInput = z.object({
  executionName,
  candidateVersion: version,
  snapshotKey: z.string().check(z.minLength(1)),
});

export const evaluationSummary = z.object({
  evaluationKey: z.string().check(z.minLength(1)),
  candidateVersion: version,
  inServiceVersion: z.nullable(version),
  candidate: figures,
  inService: z.nullable(figures),
  required,
  accepted: z.boolean(),
  reason: z.string(),
  holdoutRows: z.int().check(z.nonnegative()),
});

export const promoteInput = z.object({ executionName, evaluation: evaluationSummary });

/** What the execution state holds when a step fails (the Catch put the error in `error`). */
const failedState = z.looseObject({
  feedback: z.optional(z.looseObject({})),
  candidate: z.optional(z.looseObject({ version: z.optional(version) })),
  evaluation: z.optional(z.looseObject({ accepted: z.optional(z.boolean()) })),
  error: z.object({ Error: z.string(), Cause: z.optional(z.string()) }),
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
