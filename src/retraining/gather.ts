import type { ModelRegistry } from '../model-store/registry.ts';
import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import type { FeedbackStore } from '../storage/feedback.ts';
import { feedbackSplitOf } from './holdout.ts';
import { snapshotKeyFor, snapshotToJsonLines, type SnapshotRow } from './snapshot.ts';

export interface GatherOptions {
  readonly executionName: string;
  /** Fewer new feedback items than this: no retraining. */
  readonly minNewFeedback: number;
  readonly holdoutShare: number;
  readonly now?: Date;
}

/** What `GatherFeedback` passes on (keys and counts, never the feedback itself). */
export interface GatherResult {
  /** Enough new feedback to retrain. */
  readonly enough: boolean;
  /** For people: why the run goes on or stops here. */
  readonly reason: string;
  /** The snapshot in the model bucket (null when skipped: nothing is written). */
  readonly snapshotKey: string | null;
  /** Tickets with feedback. */
  readonly total: number;
  /** Of those, given (or changed) after the previous watermark. */
  readonly newSinceWatermark: number;
  readonly minNewFeedback: number;
  readonly trainRows: number;
  readonly holdoutRows: number;
  /** The latest feedback time in this snapshot (the next run counts from here once this run is judged). */
  readonly watermark: string | null;
  /** The watermark of the last retraining that was judged (promoted or rejected). */
  readonly previousWatermark: string | null;
}

/**
 * The watermark of the last candidate that reached a decision (promoted or
 * rejected, whatever the reason). A failed run does not move it, so the same
 * feedback is tried again next time; a rejected one does, so the same
 * feedback is not retrained on again and again.
 */
export async function lastJudgedWatermark(registry: Pick<ModelRegistry, 'list'>): Promise<string | undefined> {
  let latest: string | undefined;
  for (const record of await registry.list()) {
    if (
      (record.status === 'promoted' || record.status === 'rejected') &&
      record.feedbackWatermark &&
      (!latest || record.feedbackWatermark > latest)
    ) {
      latest = record.feedbackWatermark;
    }
  }
  return latest;
}

/**
 * Reads every ticket with feedback (the sparse `feedback` index), counts what
 * is new since the last judged retraining, and, when there is enough, writes
 * the snapshot the next steps train and evaluate on. All feedback is in the
 * snapshot, not only the new: each retraining starts from the base training
 * set, so what was learnt from earlier feedback must be learnt again.
 */
export async function gatherFeedback(
  deps: {
    feedback: Pick<FeedbackStore, 'entries'>;
    registry: Pick<ModelRegistry, 'list'>;
    store: Pick<S3ModelStore, 'putObject'>;
  },
  options: GatherOptions,
): Promise<GatherResult> {
  const previous = await lastJudgedWatermark(deps.registry);
  const rows: SnapshotRow[] = [];
  let fresh = 0;
  let watermark: string | undefined;
  for await (const entry of deps.feedback.entries()) {
    if (!entry.text || !entry.feedback?.category) continue;
    if (previous === undefined || entry.feedbackAt > previous) fresh += 1;
    if (!watermark || entry.feedbackAt > watermark) watermark = entry.feedbackAt;
    rows.push({
      ticketId: entry.ticketId,
      text: entry.text,
      label: entry.feedback.category,
      verdict: entry.feedback.verdict,
      feedbackAt: entry.feedbackAt,
      split: feedbackSplitOf(entry.ticketId, options.holdoutShare),
    });
  }
  // In ticket order, so the same feedback always makes the same snapshot (and the same candidate).
  rows.sort((a, b) => (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0));
  const holdoutRows = rows.filter((r) => r.split === 'holdout').length;
  const counts = {
    total: rows.length,
    newSinceWatermark: fresh,
    minNewFeedback: options.minNewFeedback,
    trainRows: rows.length - holdoutRows,
    holdoutRows,
    watermark: watermark ?? null,
    previousWatermark: previous ?? null,
  };
  const since = previous ? `since ${previous}` : 'so far';
  if (fresh < options.minNewFeedback) {
    return {
      enough: false,
      reason: `skipped: not enough new feedback (${fresh} new ${since}; a retraining needs at least ${options.minNewFeedback})`,
      snapshotKey: null,
      ...counts,
    };
  }
  const snapshotKey = snapshotKeyFor(options.executionName, options.now ?? new Date());
  await deps.store.putObject(snapshotKey, snapshotToJsonLines(rows), 'application/x-ndjson');
  return {
    enough: true,
    reason: `${fresh} new feedback items ${since} (${rows.length} in all: ${counts.trainRows} to train on, ${holdoutRows} held out)`,
    snapshotKey,
    ...counts,
  };
}
