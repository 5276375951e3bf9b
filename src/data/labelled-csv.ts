/**
 * Labelled data files (`train`, `evaluate`, `bootstrap`, the demo tickets)
 * and split files, read through {@link readCsvFile} (UTF-8, comma-separated,
 * a header and rows) and checked for what would train or score a model on
 * something other than what the person meant:
 *
 * - rows without text are skipped, with a warning counting them and naming
 *   their lines (`predict ""` refuses the same text); a row with text and no
 *   label is refused naming its line;
 * - labels lose surrounding spaces (`Hardware ` is `Hardware`);
 * - a split file's `row` cells are plain non-negative integers (`1e3`, `0x10`,
 *   `2.0`, ` 7 ` and empty cells are refused naming the line), each row is
 *   listed once, never in both train and test, and the part used has rows.
 */
import { DataFileError, readCsvFile, someLines } from './csv-file.ts';

export { DataFileError } from './csv-file.ts';

export const TEXT_COLUMN_GUESSES = ['text', 'Document', 'document', 'body', 'description', 'ticket', 'Text'];
export const LABEL_COLUMN_GUESSES = ['label', 'category', 'Topic_group', 'Category', 'Label', 'topic'];

export interface LabelledRows {
  readonly path: string;
  /** The rows that have text, in file order; `texts[i]` and `labels[i]` belong together. */
  readonly texts: string[];
  readonly labels: string[];
  /** The data row of each (0-based, as a split file numbers them; rows without text are left out). */
  readonly rows: number[];
  /** Data rows in the file, with or without text. */
  readonly rowCount: number;
  readonly textColumn: string;
  readonly labelColumn: string;
  /** sha256 of the file's bytes (model lineage). */
  readonly sha256: string;
  /** What may be right but looks wrong (rows skipped, bytes that are not UTF-8), with counts: show them. */
  readonly warnings: string[];
}

/**
 * The text columns: named ones (comma-separated, joined with a newline, like a
 * ticket's subject and body), else "subject"+"body" when both exist, else the
 * first of the usual names.
 */
function pickTextColumns(header: readonly string[], wanted: string | undefined, path: string): number[] {
  if (wanted !== undefined) return wanted.split(',').map((name) => pickColumn(header, name.trim(), [], 'text', path));
  if (header.includes('subject') && header.includes('body')) return [header.indexOf('subject'), header.indexOf('body')];
  return [pickColumn(header, undefined, TEXT_COLUMN_GUESSES, 'text', path)];
}

function pickColumn(
  header: readonly string[],
  wanted: string | undefined,
  guesses: readonly string[],
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

/** Reads a CSV with a header row, a text column and a label column. */
export async function readLabelledCsv(
  path: string,
  options: { textColumn?: string | undefined; labelColumn?: string | undefined } = {},
): Promise<LabelledRows> {
  const table = await readCsvFile(path);
  const { header } = table;
  const textAt = pickTextColumns(header, options.textColumn, path);
  const labelAt = pickColumn(header, options.labelColumn, LABEL_COLUMN_GUESSES, 'label', path);
  const textColumn = textAt.map((c) => header[c]!).join(',');
  const labelColumn = header[labelAt]!;
  const texts: string[] = [];
  const labels: string[] = [];
  const rows: number[] = [];
  const noText: number[] = [];
  const noLabel: number[] = [];
  table.rows.forEach((cells, row) => {
    const text = textAt
      .map((c) => cells[c] ?? '')
      .filter((t) => t.trim() !== '')
      .join('\n');
    if (text === '') {
      noText.push(row);
      return;
    }
    const label = (cells[labelAt] ?? '').trim();
    if (label === '') noLabel.push(row);
    texts.push(text);
    labels.push(label);
    rows.push(row);
  });
  if (texts.length === 0) throw new DataFileError(`the text column "${textColumn}" of ${path} is empty in every row`);
  if (noLabel.length > 0)
    throw new DataFileError(
      `${path}: ${noLabel.length} row${noLabel.length === 1 ? ' has' : 's have'} text but no label in column "${labelColumn}" (${someLines(
        noLabel.slice(0, 5).map((i) => table.lineOf(i)),
        noLabel.length,
      )}); give each a category or remove it`,
    );
  const warnings = [...table.warnings];
  if (noText.length > 0)
    warnings.push(
      `${path}: skipped ${noText.length} of ${table.rows.length} rows with no text in column "${textColumn}" (${someLines(
        noText.slice(0, 5).map((i) => table.lineOf(i)),
        noText.length,
      )}); they are neither trained on nor scored`,
    );
  return {
    path,
    texts,
    labels,
    rows,
    rowCount: table.rows.length,
    textColumn,
    labelColumn,
    sha256: table.sha256,
    warnings,
  };
}

export interface Split {
  readonly path: string;
  /** Indices into the data's `texts`/`labels`, in the split file's order. */
  readonly train: number[];
  readonly test: number[];
}

/**
 * A split file (`row,split` columns: 0-based data row, `train`/`test`, like
 * the Endava `split.csv`) over `data`. Refuses row cells that are not plain
 * whole numbers or past the data's end, and a row listed twice or in both
 * parts. Rows without text (skipped when the data was read) are left out.
 */
export async function readSplitCsv(path: string, data: LabelledRows): Promise<Split> {
  const { header, rows, lineOf } = await readCsvFile(path);
  const rowAt = header.indexOf('row');
  const splitAt = header.indexOf('split');
  if (rowAt < 0 || splitAt < 0)
    throw new DataFileError(`${path} needs columns "row" and "split" (columns: ${header.join(', ')})`);
  const seen = new Map<number, { split: 'train' | 'test'; index: number }>();
  for (const [index, cells] of rows.entries()) {
    const line = () => lineOf(index);
    const cell = cells[rowAt] ?? '';
    if (!/^\d+$/.test(cell))
      throw new DataFileError(
        `${path} line ${line()}: row "${cell}" is not a data row number: write it in plain digits (0, 1, 2, ...; no spaces, signs, decimals or exponents)`,
      );
    const row = Number(cell);
    if (row >= data.rowCount)
      throw new DataFileError(
        `${path} line ${line()}: row ${row} is past the end of ${data.path} (it has ${data.rowCount} data rows, numbered from 0)`,
      );
    const split = cells[splitAt] ?? '';
    if (split !== 'train' && split !== 'test')
      throw new DataFileError(`${path} line ${line()}: split must be "train" or "test", not "${split}"`);
    const earlier = seen.get(row);
    if (earlier)
      throw new DataFileError(
        earlier.split === split
          ? `${path} line ${line()}: row ${row} is listed twice (also on line ${lineOf(earlier.index)})`
          : `${path} line ${line()}: row ${row} is both ${earlier.split} (line ${lineOf(earlier.index)}) and ${split}; a row the model is trained on cannot score it`,
      );
    seen.set(row, { split, index });
  }
  const positions = new Map(data.rows.map((row, i) => [row, i]));
  const split: Split = { path, train: [], test: [] };
  for (const [row, { split: part }] of seen) {
    const at = positions.get(row);
    if (at !== undefined) split[part].push(at);
  }
  return split;
}

/** The rows of one part of a split; a part without rows is refused (nothing to train on, or to evaluate). */
export function rowsOf(split: Split, part: 'train' | 'test'): number[] {
  if (split[part].length === 0)
    throw new DataFileError(
      `${split.path} has no "${part}" rows with text: there is nothing to ${part === 'train' ? 'train on' : 'evaluate'}`,
    );
  return split[part];
}

/**
 * A warning when the rows to score have categories the model was never
 * trained on (they can only count as wrong), with counts per category.
 */
export function describeUnseenLabels(labels: readonly string[], known: readonly string[]): string | undefined {
  const knownSet = new Set(known);
  const counts = new Map<string, number>();
  for (const label of labels) if (!knownSet.has(label)) counts.set(label, (counts.get(label) ?? 0) + 1);
  if (counts.size === 0) return undefined;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const listed = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([label, n]) => `"${label}" (${n})`)
    .join(', ');
  return (
    `${total} of ${labels.length} rows have ${counts.size === 1 ? 'a category' : `${counts.size} categories`} the model was never trained on: ` +
    `${listed}${counts.size > 10 ? ` and ${counts.size - 10} more` : ''}; they count as wrong (the model knows: ${known.length > 20 ? `${known.slice(0, 20).join(', ')}, ...` : known.join(', ')})`
  );
}
