import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import type { Verdict } from '../feedback/rules.ts';
import type { FeedbackSplit } from './holdout.ts';
import { TriageError } from '../errors.ts';

/**
 * A feedback snapshot: every ticket with feedback at the time of a retraining,
 * as JSON lines in the model bucket. Retrain trains on the `train` rows (with
 * the base training set); Evaluate judges on the `holdout` rows (with the base
 * holdout). Written once per run, never changed.
 */
export interface SnapshotRow {
  readonly ticketId: string;
  readonly text: string;
  /** The right category, as people said. */
  readonly label: string;
  readonly verdict: Verdict;
  readonly feedbackAt: string;
  readonly split: FeedbackSplit;
}

export const FEEDBACK_SNAPSHOT_PREFIX = 'feedback/snapshots/';

/** `feedback/snapshots/<yyyymmddThhmmssZ>-<execution>.jsonl`: sorts by time. */
export function snapshotKeyFor(executionName: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${FEEDBACK_SNAPSHOT_PREFIX}${stamp}-${executionName.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`;
}

export const snapshotToJsonLines = (rows: readonly SnapshotRow[]): string =>
  rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');

export class SnapshotFormatError extends TriageError {
  override readonly name = 'SnapshotFormatError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'Internal', options);
  }
}

export function parseSnapshot(text: string, key: string): SnapshotRow[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      let row: Partial<SnapshotRow>;
      try {
        row = JSON.parse(line) as Partial<SnapshotRow>;
      } catch {
        throw new SnapshotFormatError(`${key} line ${i + 1} is not JSON`);
      }
      if (
        typeof row.text !== 'string' ||
        typeof row.label !== 'string' ||
        (row.split !== 'train' && row.split !== 'holdout')
      ) {
        throw new SnapshotFormatError(`${key} line ${i + 1} is not a feedback snapshot row (text, label, split)`);
      }
      return row as SnapshotRow;
    });
}

export async function readSnapshot(store: Pick<S3ModelStore, 'getObject'>, key: string): Promise<SnapshotRow[]> {
  return parseSnapshot(new TextDecoder().decode(await store.getObject(key, `feedback snapshot ${key}`)), key);
}
