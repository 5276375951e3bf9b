/**
 * Reading a person's CSV file (`train`, `evaluate`, `bootstrap`, `feedback
 * import`, `send --file`): UTF-8, comma-separated, a header row. What cannot
 * be right is refused with a message naming the file, the line and the fix;
 * what may be right but looks wrong comes back as a warning with counts.
 *
 * - The file must be comma-separated: a header with semicolons or tabs and no
 *   comma is refused, naming the delimiter it looks like.
 * - Bytes that are not UTF-8 (a Windows-1252 `é`) are read as U+FFFD, with a
 *   warning counting the lines and naming the first; UTF-16 is refused.
 * - A file with no header, or a header and no rows, is refused.
 * - Malformed CSV (a field count that differs from the header, a quote never
 *   closed) is refused naming the line.
 */
import { readFile } from 'node:fs/promises';
import { CsvError, parse } from 'csv-parse/sync';
import { TriageError } from '../errors.ts';
import { sha256 } from '../model/artifact.ts';

/** A problem with the user's data file, worded for the person who gave it. */
export class DataFileError extends TriageError {
  override readonly name = 'DataFileError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'InvalidInput', options);
  }
}

export interface CsvTable {
  readonly path: string;
  /** Column names as written, surrounding spaces removed. */
  readonly header: readonly string[];
  /** The data rows' cells (blank lines skipped), in file order. */
  readonly rows: readonly (readonly string[])[];
  /**
   * The line of the file data row `index` starts on (1-based). Worked out on
   * the first call (a second parse that tracks lines): it is for messages.
   */
  lineOf(index: number): number;
  /** sha256 of the file's bytes (model lineage). */
  readonly sha256: string;
  /** Suspicious but readable (bytes that are not UTF-8): to show the person, with counts. */
  readonly warnings: readonly string[];
}

export interface ReadCsvOptions {
  /** Rows may have fewer or more fields than the header (default false: a mismatch names the line). */
  readonly relaxColumnCount?: boolean;
}

const DELIMITERS = [
  { char: ';', name: 'semicolon-separated', plural: 'semicolons' },
  { char: '\t', name: 'tab-separated', plural: 'tabs' },
  { char: '|', name: 'pipe-separated', plural: 'pipes' },
] as const;

/** How often each character occurs outside double quotes in `line`. */
function countOutsideQuotes(line: string, chars: readonly string[]): Map<string, number> {
  const counts = new Map(chars.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  return counts;
}

/** Refuses a file whose header is separated by something other than commas. */
function checkDelimiter(path: string, text: string): void {
  const start = text.search(/\S/);
  const end = text.indexOf('\n', start);
  const headerLine = start < 0 ? '' : text.slice(start, end < 0 ? undefined : end);
  const counts = countOutsideQuotes(headerLine, [',', ...DELIMITERS.map((d) => d.char)]);
  if (counts.get(',')! > 0) return;
  const likely = DELIMITERS.map((d) => ({ ...d, count: counts.get(d.char)! }))
    .filter((d) => d.count > 0)
    .sort((a, b) => b.count - a.count)[0];
  if (!likely) return;
  throw new DataFileError(
    `${path} looks ${likely.name} (its header line has ${likely.count} ${likely.count === 1 ? likely.plural.slice(0, -1) : likely.plural} and no commas); ` +
      'triage reads comma-separated files: save it as "CSV (comma delimited)", or change the delimiter to a comma',
  );
}

/** The file's text; bytes that are not UTF-8 become U+FFFD, counted in a warning. */
function decode(path: string, bytes: Buffer): { text: string; warning?: string } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    throw new DataFileError(`${path} is UTF-16; save it as UTF-8 (in Excel: "CSV UTF-8 (comma delimited)")`);
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body) };
  } catch {
    // Which lines hold bytes that are not UTF-8: each line decoded on its own.
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let bad = 0;
    let first = 0;
    let from = 0;
    let line = 1;
    while (from <= body.length) {
      let to = body.indexOf(0x0a, from);
      if (to < 0) to = body.length;
      try {
        strict.decode(body.subarray(from, to));
      } catch {
        bad += 1;
        if (first === 0) first = line;
      }
      from = to + 1;
      line += 1;
    }
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
    return {
      text,
      warning:
        `${path} is not valid UTF-8: ${bad} line${bad === 1 ? '' : 's'} hold${bad === 1 ? 's' : ''} bytes that are not (the first is line ${first}); ` +
        'they are read as "\uFFFD". If the file is Windows-1252 or Latin-1, save it as UTF-8 ' +
        '(e.g. `iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv`)',
    };
  }
}

/** The line a record starts on, from the line csv-parse reports at its end. */
function startLine(record: readonly string[], endLine: number): number {
  let newlines = 0;
  for (const cell of record) for (const ch of cell) if (ch === '\n') newlines++;
  return endLine - newlines;
}

function describeCsvError(path: string, error: unknown): string {
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    const at = line !== undefined ? ` line ${line}` : '';
    switch (error.code) {
      case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
        const [, expected, got] = /expect (\d+), got (\d+)/.exec(error.message) ?? [];
        return `${path}${at} has ${got ?? 'a different number of'} fields but the header has ${expected ?? 'another number'}: a text holding a comma must be in double quotes ("like, this")`;
      }
      case 'CSV_QUOTE_NOT_CLOSED':
        return `${path}: a double quote opened on${at} is never closed`;
      case 'CSV_INVALID_CLOSING_QUOTE':
      case 'INVALID_OPENING_QUOTE':
        return `${path}${at}: a double quote inside a field must be in a quoted field and doubled ("say ""hi""")`;
    }
  }
  return `${path} is not a readable CSV file: ${(error as Error).message}`;
}

/** Reads a comma-separated, UTF-8 file with a header row and at least one data row. */
export async function readCsvFile(path: string, options: ReadCsvOptions = {}): Promise<CsvTable> {
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
  const { text, warning } = decode(path, bytes);
  if (text.trim() === '') throw new DataFileError(`${path} is empty: it needs a header row and one row per ticket`);
  checkDelimiter(path, text);
  const parseText = <T>(info: boolean): T[] => {
    try {
      return parse(text, {
        skip_empty_lines: true,
        relax_column_count: options.relaxColumnCount ?? false,
        info,
      }) as unknown as T[];
    } catch (error) {
      throw new DataFileError(describeCsvError(path, error), { cause: error });
    }
  };
  const [first, ...rows] = parseText<string[]>(false);
  if (!first) throw new DataFileError(`${path} is empty: it needs a header row and one row per ticket`);
  const header = first.map((name) => name.trim());
  if (rows.length === 0) throw new DataFileError(`${path} has a header (columns: ${header.join(', ')}) but no rows`);
  let lines: number[] | undefined;
  return {
    path,
    header,
    rows,
    lineOf(index) {
      lines ??= parseText<{ record: string[]; info: { lines: number } }>(true)
        .slice(1)
        .map(({ record, info }) => startLine(record, info.lines));
      return lines[index] ?? 0;
    },
    sha256: sha256(bytes),
    warnings: warning ? [warning] : [],
  };
}

/** "lines 3, 7, 9 and 12 more": the first lines of `total`. */
export function someLines(first: readonly number[], total: number = first.length): string {
  const more = total - first.length;
  return `line${total === 1 ? '' : 's'} ${first.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
