import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readLabelledCsv, readSplitCsv, type LabelledRows, type Split } from '../src/data/labelled-csv.ts';
import { ENDAVA_CSV, ENDAVA_SPLIT, SHARED_DIR } from './endava.ts';

/**
 * The development datasets, read in place from the shared folder (never copied
 * into the project):
 * - `endava`: 47,837 IT tickets, 8 categories, the scikit-learn reference's split;
 * - `banking77`: BANKING77 (PolyAI), 13,083 short online-banking queries,
 *   77 intents, official split. CC BY 4.0: Casanueva, Temčinas, Gerz,
 *   Henderson, Vulić, "Efficient Intent Detection with Dual Sentence
 *   Encoders", NLP4ConvAI at ACL 2020 (arXiv:2003.04807); see its SOURCE.md.
 */
export const DATASET_NAMES = ['endava', 'banking77'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const BANKING77_DIR = join(SHARED_DIR, 'datasets', 'banking77');

const FILES: Record<DatasetName, { csv: string; split: string; text: string; label: string }> = {
  endava: { csv: ENDAVA_CSV, split: ENDAVA_SPLIT, text: 'Document', label: 'Topic_group' },
  banking77: {
    csv: join(BANKING77_DIR, 'tickets.csv'),
    split: join(BANKING77_DIR, 'split.csv'),
    text: 'text',
    label: 'label',
  },
};

export interface Dataset {
  readonly name: DatasetName;
  readonly data: LabelledRows;
  readonly split: Split;
  readonly train: { readonly texts: string[]; readonly labels: string[] };
  readonly test: { readonly texts: string[]; readonly labels: string[] };
}

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

export function hasDataset(name: DatasetName): boolean {
  return existsSync(FILES[name].csv) && existsSync(FILES[name].split);
}

export async function loadDataset(name: DatasetName): Promise<Dataset> {
  const f = FILES[name];
  const data = await readLabelledCsv(f.csv, { textColumn: f.text, labelColumn: f.label });
  const split = await readSplitCsv(f.split, data);
  const pick = (rows: readonly number[]) => ({
    texts: rows.map((i) => data.texts[i]!),
    labels: rows.map((i) => data.labels[i]!),
  });
  return { name, data, split, train: pick(split.train), test: pick(split.test) };
}
