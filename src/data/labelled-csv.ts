import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { sha256 } from '../model/artifact.ts';
import { TriageError } from '../errors.ts';

/** A problem with the user's data file, worded for the person who gave it. */
export class DataFileError extends TriageError {
  override readonly name = 'DataFileError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'InvalidInput', options);
  }
}

export const TEXT_COLUMN_GUESSES = ['text', 'Document', 'document', 'body', 'description', 'ticket', 'Text'];
export const LABEL_COLUMN_GUESSES = ['label', 'category', 'Topic_group', 'Category', 'Label', 'topic'];

export interface LabelledRows {
  /** Rows in file order; `texts[i]` and `labels[i]` belong together. */
  readonly path: string;
  readonly texts: string[];
  readonly labels: string[];
  readonly textColumn: string;
  readonly labelColumn: string;
  /** sha256 of the file's bytes (model lineage). */
  readonly sha256: string;
}

async function readCsv(path: string): Promise<{ header: string[]; records: string[][]; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFileError(
      code === 'ENOENT'
        ? `file not found: ${path}`
        : code === 'EISDIR'
          ? `${path} is a directory, not a CSV file`
          : `cannot read ${path} (${code ?? 'error'})`,
    );
  }
  let records: string[][];
  try {
    records = parse(bytes, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw new DataFileError(`${path} is not a readable CSV file: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new DataFileError(`${path} is empty`);
  const [header, ...rest] = records;
  return { header: header!, records: rest, bytes };
}

/**
 * The text columns: named ones (comma-separated, joined with a newline, like a
 * ticket's subject and body), else "subject"+"body" when both exist, else the
 * first of the usual names.
 */
function pickTextColumns(header: string[], wanted: string | undefined, path: string): number[] {
  if (wanted !== undefined) return wanted.split(',').map((name) => pickColumn(header, name.trim(), [], 'text', path));
  if (header.includes('subject') && header.includes('body')) return [header.indexOf('subject'), header.indexOf('body')];
  return [pickColumn(header, undefined, TEXT_COLUMN_GUESSES, 'text', path)];
}

function pickColumn(
  header: string[],
  wanted: string | undefined,
  guesses: string[],
  what: string,
  path: string,
): number {
  if (wanted !== undefined) {
    const at = header.indexOf(wanted);
    if (at < 0) throw new DataFileError(`${path} has no column "${wanted}" (columns: ${header.join(', ')})`);
    return at;
  }
  for (const guess of guesses) {
    const at = header.indexOf(guess);
    if (at >= 0) return at;
  }
  throw new DataFileError(
    `cannot tell which column of ${path} holds the ${what} (columns: ${header.join(', ')}); name it with --${what}-column`,
  );
}

/** Reads a CSV with a header row, a text column and (optionally required) a label column. */
export async function readLabelledCsv(
  path: string,
  options: { textColumn?: string; labelColumn?: string } = {},
): Promise<LabelledRows> {
  const { header, records, bytes } = await readCsv(path);
  const textAt = pickTextColumns(header, options.textColumn, path);
  const labelAt = pickColumn(header, options.labelColumn, LABEL_COLUMN_GUESSES, 'label', path);
  const texts = records.map((r) =>
    textAt
      .map((c) => r[c] ?? '')
      .filter((t) => t.trim() !== '')
      .join('\n'),
  );
  const labels = records.map((r) => r[labelAt] ?? '');
  const textColumn = textAt.map((c) => header[c]!).join(',');
  if (texts.length === 0) throw new DataFileError(`${path} has a header but no rows`);
  if (texts.every((t) => t.trim() === ''))
    throw new DataFileError(`the text column "${textColumn}" of ${path} is empty in every row`);
  const unlabelled = labels.findIndex((l) => l.trim() === '');
  if (unlabelled >= 0)
    throw new DataFileError(`row ${unlabelled} of ${path} has no label in column "${header[labelAt]}"`);
  return { path, texts, labels, textColumn, labelColumn: header[labelAt]!, sha256: sha256(bytes) };
}

export interface Split {
  readonly train: number[];
  readonly test: number[];
}

/** A split file: `row,split` columns (0-based data row, `train`/`test`), like the Endava `split.csv`. */
export async function readSplitCsv(path: string, rowCount: number): Promise<Split> {
  const { header, records } = await readCsv(path);
  const rowAt = header.indexOf('row');
  const splitAt = header.indexOf('split');
  if (rowAt < 0 || splitAt < 0)
    throw new DataFileError(`${path} needs columns "row" and "split" (columns: ${header.join(', ')})`);
  const train: number[] = [];
  const test: number[] = [];
  records.forEach((r, i) => {
    const row = Number(r[rowAt]);
    if (!Number.isInteger(row) || row < 0 || row >= rowCount) {
      throw new DataFileError(
        `${path} line ${i + 2}: row "${r[rowAt]}" is not a data row (the data has ${rowCount} rows, numbered from 0)`,
      );
    }
    const which = r[splitAt];
    if (which === 'train') train.push(row);
    else if (which === 'test') test.push(row);
    else throw new DataFileError(`${path} line ${i + 2}: split must be "train" or "test", not "${which}"`);
  });
  return { train, test };
}
