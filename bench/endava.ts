import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readLabelledCsv, readSplitCsv, type LabelledRows, type Split } from '../src/data/labelled-csv.ts';

/** The shared Endava dataset and scikit-learn reference, read in place (never copied into the project). */
export const SHARED_DIR = process.env.TRIAGE_SHARED_DIR ?? fileURLToPath(new URL('../../shared', import.meta.url));
export const ENDAVA_DIR = join(SHARED_DIR, 'datasets', 'endava');
export const ENDAVA_CSV = join(ENDAVA_DIR, 'all_tickets_processed_improved_v3.csv');
export const ENDAVA_SPLIT = join(ENDAVA_DIR, 'split.csv');
export const REFERENCE_DIR = join(SHARED_DIR, 'reference');

export interface Endava {
  readonly data: LabelledRows;
  readonly split: Split;
}

/** Loads the dataset, or exits 0 with a clear message when it is not there. */
export async function loadEndavaOrSkip(benchName: string): Promise<Endava> {
  if (!existsSync(ENDAVA_CSV) || !existsSync(ENDAVA_SPLIT)) {
    console.log(
      `${benchName}: skipped — the Endava dataset is not at ${ENDAVA_DIR} (set TRIAGE_SHARED_DIR to the folder that holds datasets/endava/).`,
    );
    process.exit(0);
  }
  const data = await readLabelledCsv(ENDAVA_CSV, { textColumn: 'Document', labelColumn: 'Topic_group' });
  const split = await readSplitCsv(ENDAVA_SPLIT, data);
  return { data, split };
}
