import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import type { Verdict } from '../feedback/rules.ts';
import type { FeedbackSplit } from './holdout.ts';
import { TriageError } from '../errors.ts';
import { forEachJsonLine, jsonLinesChunks, JsonLinesError } from '../data/json-lines.ts';

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

/** The snapshot's bytes, as JSON lines in chunks (a million rows are more than one string can hold). */
export const snapshotToJsonLines = (rows: readonly SnapshotRow[]): Uint8Array[] => jsonLinesChunks(rows);

export class SnapshotFormatError extends TriageError {
  override readonly name = 'SnapshotFormatError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'Internal', options);
  }
}

/**
 * The rows of a snapshot's bytes (only those of `split` when given), read a
 * block of lines at a time. Labels are shared strings (a handful of
 * categories, not one string per row).
 */
export function parseSnapshotBytes(bytes: Uint8Array, key: string, split?: FeedbackSplit): SnapshotRow[] {
  const rows: SnapshotRow[] = [];
  const labels = new Map<string, string>();
  try {
    forEachJsonLine(bytes, (value, line) => {
      const row = value as Partial<SnapshotRow> | null;
      if (
        typeof row !== 'object' ||
        row === null ||
        typeof row.text !== 'string' ||
        typeof row.label !== 'string' ||
        (row.split !== 'train' && row.split !== 'holdout')
      ) {
        throw new SnapshotFormatError(`${key} line ${line} is not a feedback snapshot row (text, label, split)`);
      }
      if (split !== undefined && row.split !== split) return;
      let label = labels.get(row.label);
      if (label === undefined) {
        label = row.label;
        labels.set(label, label);
      }
      rows.push({ ...(row as SnapshotRow), label });
    });
  } catch (error) {
    if (error instanceof JsonLinesError) throw new SnapshotFormatError(`${key} line ${error.line} is not JSON`);
    throw error;
  }
  return rows;
}

export function parseSnapshot(text: string, key: string): SnapshotRow[] {
  return parseSnapshotBytes(new TextEncoder().encode(text), key);
}

/** The snapshot's rows (only those of `split` when given). */
export async function readSnapshot(
  store: Pick<S3ModelStore, 'getObject'>,
  key: string,
  split?: FeedbackSplit,
): Promise<SnapshotRow[]> {
  return parseSnapshotBytes(await store.getObject(key, `feedback snapshot ${key}`), key, split);
}
