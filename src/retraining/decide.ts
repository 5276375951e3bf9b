import {
  PointerConflictError,
  UnknownModelVersionError,
  type ComparedWith,
  type ModelRecord,
  type ModelRegistry,
} from '../model-store/registry.ts';
import type { EvaluationSummary } from './evaluate.ts';

/** What deciding on a candidate needs of the registry (the class, or an in-memory fake in unit tests). */
export type DecisionRegistry = Pick<ModelRegistry, 'get' | 'inService' | 'movePointer' | 'setStatus'>;

/** How a retraining ended (the output of a retrain-model execution that did not fail). */
export type RetrainOutcome = 'promoted' | 'superseded' | 'rejected';

export interface Decision {
  readonly outcome: RetrainOutcome;
  readonly candidateVersion: string;
  /** The model in service after the decision. */
  readonly inServiceVersion: string | null;
  readonly reason: string;
  readonly evaluationKey: string;
  readonly candidate: EvaluationSummary['candidate'];
  readonly inService: EvaluationSummary['inService'];
}

/** The figures a decision records on the candidate's registry item. */
function judgedFields(evaluation: EvaluationSummary): Partial<ModelRecord> {
  const { candidate, inService } = evaluation;
  const comparedWith: ComparedWith = {
    version: evaluation.inServiceVersion,
    accuracy: inService?.accuracy ?? null,
    macroF1: inService?.macroF1 ?? null,
    coverage: inService?.coverage ?? null,
    coverageAtTarget: inService?.coverageAtTarget ?? null,
    autoPrecision: inService?.autoPrecision ?? null,
    targetPrecision: inService?.targetPrecision ?? null,
  };
  return {
    accuracy: candidate.accuracy,
    macroF1: candidate.macroF1,
    coverage: candidate.coverage,
    coverageAtTarget: candidate.coverageAtTarget,
    autoPrecision: candidate.autoPrecision,
    ece: candidate.ece,
    ...(candidate.targetPrecision !== null && { targetPrecision: candidate.targetPrecision }),
    evaluationKey: evaluation.evaluationKey,
    comparedWith,
  };
}

const decisionOf = (
  evaluation: EvaluationSummary,
  outcome: RetrainOutcome,
  inServiceVersion: string | null,
  reason: string,
): Decision => ({
  outcome,
  candidateVersion: evaluation.candidateVersion,
  inServiceVersion,
  reason,
  evaluationKey: evaluation.evaluationKey,
  candidate: evaluation.candidate,
  inService: evaluation.inService,
});

/**
 * Puts a candidate that passed the gate in service, only if the model in
 * service is still the one it was evaluated against. When another promotion
 * or a rollback got there first, nothing is overwritten: the candidate is
 * recorded as rejected (superseded). Safe to retry: a candidate already in
 * service is simply confirmed.
 */
export async function promoteCandidate(registry: DecisionRegistry, evaluation: EvaluationSummary): Promise<Decision> {
  const version = evaluation.candidateVersion;
  if (!(await registry.get(version)))
    throw new UnknownModelVersionError(`model version ${version} is not in the registry`);
  const reason = `promoted by the retraining gate: ${evaluation.reason}`;
  const current = await registry.inService();
  if (current?.modelVersion === version) {
    await registry.setStatus(version, 'promoted', reason, judgedFields(evaluation));
    return decisionOf(evaluation, 'promoted', version, reason);
  }
  try {
    await registry.movePointer(version, evaluation.inServiceVersion ?? undefined, reason);
  } catch (error) {
    if (!(error instanceof PointerConflictError)) throw error;
    const now = (await registry.inService())?.modelVersion ?? null;
    const superseded = `superseded: it passed the gate against ${evaluation.inServiceVersion ?? 'no model'}, but the model in service changed to ${now ?? 'none'} meanwhile; the newer decision stands (${evaluation.reason})`;
    await registry.setStatus(version, 'rejected', superseded, judgedFields(evaluation));
    return decisionOf(evaluation, 'superseded', now, superseded);
  }
  await registry.setStatus(version, 'promoted', reason, judgedFields(evaluation));
  return decisionOf(evaluation, 'promoted', version, reason);
}

/** Records why the gate rejected a candidate; the model in service is not touched. */
export async function rejectCandidate(
  registry: Pick<ModelRegistry, 'setStatus'>,
  evaluation: EvaluationSummary,
): Promise<Decision> {
  const reason = `rejected by the retraining gate: ${evaluation.reason}`;
  await registry.setStatus(evaluation.candidateVersion, 'rejected', reason, judgedFields(evaluation));
  return decisionOf(evaluation, 'rejected', evaluation.inServiceVersion, reason);
}

export interface FailureRecord {
  readonly outcome: 'failed';
  /** The step that failed. */
  readonly step: string;
  readonly error: string;
  /** The error message, for people (also the execution's failure cause). */
  readonly cause: string;
  /** Candidates of this run now recorded as failed. */
  readonly failedVersions: string[];
}

/**
 * The failure path: every candidate this execution registered and that is not
 * decided yet is recorded as failed with the cause. A version that is in
 * service (the pointer moved, then recording it failed) is left promoted: the
 * registry never contradicts the pointer. The pointer itself is never touched.
 */
export async function recordRetrainFailure(
  registry: Pick<ModelRegistry, 'inService' | 'list' | 'setStatus'>,
  input: { executionName: string; step: string; error: string; cause: string; candidateVersion?: string },
): Promise<FailureRecord> {
  const inService = (await registry.inService())?.modelVersion;
  const records = (await registry.list()).filter(
    (r) => r.retrainExecution === input.executionName || r.version === input.candidateVersion,
  );
  const failedVersions: string[] = [];
  for (const record of records) {
    if (record.version === inService) {
      if (record.status !== 'promoted')
        await registry.setStatus(
          record.version,
          'promoted',
          `in service; the retraining then failed in ${input.step}: ${input.cause}`,
        );
      continue;
    }
    if (record.status !== 'candidate') continue;
    await registry.setStatus(
      record.version,
      'failed',
      `the retraining failed in ${input.step} (${input.error}): ${input.cause}`,
    );
    failedVersions.push(record.version);
  }
  return { outcome: 'failed', step: input.step, error: input.error, cause: input.cause, failedVersions };
}
