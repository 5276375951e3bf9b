/**
 * The base dataset: the labelled tickets a deployment was bootstrapped with
 * (`triage bootstrap`, or the demo tickets on the first `npm start`), split
 * into a training set and a holdout, as JSON lines in the model bucket.
 * Every retraining starts from it (plus feedback) and every evaluation judges
 * on its holdout (plus held-out feedback).
 */
import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import { forEachJsonLine, jsonLinesChunks } from './json-lines.ts';

/** The read this module needs from the model bucket. */
export type ObjectReader = Pick<S3ModelStore, 'getObject'>;

/** Where the base training set lives in the model bucket (retraining adds feedback to it). */
export const BASE_DATASET_KEYS = {
  train: 'datasets/base/train.jsonl',
  holdout: 'datasets/base/holdout.jsonl',
  meta: 'datasets/base/meta.json',
} as const;

export interface LabelledExample {
  readonly text: string;
  readonly label: string;
}

export interface BaseDatasetMeta {
  readonly sha256: string;
  readonly source: string;
  readonly trainRows: number;
  readonly holdoutRows: number;
  readonly labels: readonly string[];
  readonly createdAt: string;
}

/** Labelled examples as JSON lines, in chunks (a big base dataset is more than one string can hold). */
export const toJsonLines = (rows: readonly LabelledExample[]): Uint8Array[] =>
  jsonLinesChunks(rows.map((r) => ({ text: r.text, label: r.label })));

/** Labelled examples from JSON-lines bytes (labels are shared strings). */
export function fromJsonLines(bytes: Uint8Array): LabelledExample[] {
  const rows: LabelledExample[] = [];
  const labels = new Map<string, string>();
  forEachJsonLine(bytes, (value) => {
    const row = value as LabelledExample;
    let label = labels.get(row.label);
    if (label === undefined) {
      label = row.label;
      labels.set(label, label);
    }
    rows.push({ text: row.text, label });
  });
  return rows;
}

/** A JSON-lines object of labelled examples (the base training set or holdout). */
export async function readJsonLinesObject(store: ObjectReader, key: string, what: string): Promise<LabelledExample[]> {
  return fromJsonLines(await store.getObject(key, what));
}

export async function readBaseMeta(store: ObjectReader): Promise<BaseDatasetMeta> {
  return JSON.parse(
    new TextDecoder().decode(
      await store.getObject(BASE_DATASET_KEYS.meta, 'the base dataset (bootstrap a model first)'),
    ),
  ) as BaseDatasetMeta;
}
