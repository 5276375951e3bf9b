/**
 * The base dataset: the labelled tickets a deployment was bootstrapped with
 * (`triage bootstrap`, or the demo tickets on the first `npm start`), split
 * into a training set and a holdout, as JSON lines in the model bucket.
 * Every retraining starts from it (plus feedback) and every evaluation judges
 * on its holdout (plus held-out feedback).
 */
import type { S3ModelStore } from '../model-store/s3-model-store.ts';

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

export const toJsonLines = (rows: readonly LabelledExample[]): string =>
  `${rows.map((r) => JSON.stringify({ text: r.text, label: r.label })).join('\n')}\n`;

export function fromJsonLines(text: string): LabelledExample[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LabelledExample);
}

/** A JSON-lines object of labelled examples (the base training set or holdout). */
export async function readJsonLinesObject(store: ObjectReader, key: string, what: string): Promise<LabelledExample[]> {
  return fromJsonLines(new TextDecoder().decode(await store.getObject(key, what)));
}

export async function readBaseMeta(store: ObjectReader): Promise<BaseDatasetMeta> {
  return JSON.parse(
    new TextDecoder().decode(
      await store.getObject(BASE_DATASET_KEYS.meta, 'the base dataset (bootstrap a model first)'),
    ),
  ) as BaseDatasetMeta;
}
