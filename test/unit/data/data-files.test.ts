import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvFile } from '../../../src/data/csv-file.ts';
import {
  describeUnseenLabels,
  readLabelledCsv,
  readSplitCsv,
  rowsOf,
  type LabelledRows,
} from '../../../src/data/labelled-csv.ts';
import { checkModelDirectory } from '../../../src/model-store/directory.ts';

/**
 * The data files people give `train`, `evaluate`, `bootstrap`, `feedback
 * import` and `send --file` (src/data/csv-file.ts, src/data/labelled-csv.ts),
 * written to a temporary directory: what cannot be right is refused naming
 * the file, the line and the fix; what may be right comes with a warning.
 */
const dir = mkdtempSync(join(tmpdir(), 'triage-data-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const file = (content: string | Buffer) => {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, content);
  return path;
};

const TICKETS =
  'text,label\nprinter jammed,Hardware\n,Access\nvpn fails,Access\n  ,Hardware\nscreen flickers, Hardware \n';

describe('labelled data', () => {
  it('skips rows with no text, with a warning that counts them and names their lines', async () => {
    const data = await readLabelledCsv(file(TICKETS));
    expect(data.texts).toEqual(['printer jammed', 'vpn fails', 'screen flickers']);
    expect(data.rows).toEqual([0, 2, 4]);
    expect(data.rowCount).toBe(5);
    expect(data.warnings).toEqual([
      expect.stringMatching(
        /skipped 2 of 5 rows with no text in column "text" \(lines 3, 5\); they are neither trained on nor scored$/,
      ),
    ]);
  });

  it('counts more skipped rows than it names', async () => {
    const rows = Array.from({ length: 9 }, (_, i) => (i % 2 === 0 ? `,L${i}` : `t${i},L`)).join('\n');
    const data = await readLabelledCsv(file(`text,label\n${rows}\n`));
    expect(data.warnings[0]).toMatch(/skipped 5 of 9 rows .*\(lines 2, 4, 6, 8, 10\)/);
    const many = Array.from({ length: 8 }, () => ',x').join('\n');
    expect((await readLabelledCsv(file(`text,label\na,b\n${many}\n`))).warnings[0]).toMatch(
      /\(lines 3, 4, 5, 6, 7 and 3 more\)/,
    );
  });

  it('trims labels: surrounding spaces do not make another category', async () => {
    const data = await readLabelledCsv(file(TICKETS));
    expect(data.labels).toEqual(['Hardware', 'Access', 'Hardware']);
  });

  it('refuses a row with text and no label, naming its line', async () => {
    await expect(readLabelledCsv(file('text,label\na,x\nb, \nc,y\n'))).rejects.toThrow(
      /1 row has text but no label in column "label" \(line 3\)/,
    );
  });

  it('names the right line after quoted fields that span lines and blank lines', async () => {
    const data = await readLabelledCsv(file('text,label\n"two\nlines",A\n\n,B\nok,C\n'));
    expect(data.warnings[0]).toMatch(/\(line 5\)/);
  });

  it('refuses a file with no text or label column, naming the columns and the option', async () => {
    await expect(readLabelledCsv(file('content,kind\nx,y\n'))).rejects.toThrow(
      /cannot tell which column of .* holds the text \(columns: content, kind\); name it with --text-column/,
    );
  });
});

describe('the CSV itself', () => {
  it.each([
    [
      'semicolon',
      'text;label\nprinter;Hardware\n',
      /looks semicolon-separated \(its header line has 1 semicolon and no commas\)/,
    ],
    [
      'tab',
      'text\tlabel\tnote\nprinter\tHardware\tx\n',
      /looks tab-separated \(its header line has 2 tabs and no commas\)/,
    ],
    ['pipe', 'text|label\nprinter|Hardware\n', /looks pipe-separated/],
  ])(
    'refuses a %s-separated file, saying which delimiter it looks like and that commas are needed',
    async (_, content, message) => {
      const error = readLabelledCsv(file(content));
      await expect(error).rejects.toThrow(message);
      await expect(error).rejects.toThrow(/triage reads comma-separated files/);
    },
  );

  it('a semicolon inside a quoted header name is not a delimiter', async () => {
    const table = await readCsvFile(file('"a;b"\nx\n'));
    expect(table.header).toEqual(['a;b']);
  });

  it('reads bytes that are not UTF-8 (Windows-1252) with a warning counting the lines and naming the first', async () => {
    const bytes = Buffer.concat([
      Buffer.from('text,label\nok,A\ncaf'),
      Buffer.from([0xe9]),
      Buffer.from(' printer,B\nfine,A\nna'),
      Buffer.from([0xef, 0x76]),
      Buffer.from(',B\n'),
    ]);
    const data = await readLabelledCsv(file(bytes));
    expect(data.texts[1]).toBe('caf\uFFFD printer');
    expect(data.warnings).toEqual([
      expect.stringMatching(
        /is not valid UTF-8: 2 lines hold bytes that are not \(the first is line 3\).*iconv -f WINDOWS-1252/,
      ),
    ]);
    expect((await readLabelledCsv(file('text,label\ncafé,A\nx,B\n'))).warnings).toEqual([]);
  });

  it('reads a UTF-8 byte-order mark as nothing, and refuses UTF-16', async () => {
    const data = await readLabelledCsv(
      file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('text,label\na,B\n')])),
    );
    expect(data.textColumn).toBe('text');
    await expect(readCsvFile(file(Buffer.from('\ufefftext,label\n', 'utf16le')))).rejects.toThrow(
      /is UTF-16; save it as UTF-8/,
    );
  });

  it.each([
    ['an empty file', '', /is empty: it needs a header row/],
    ['blank lines only', '\n\n  \n', /is empty/],
    ['a header and no rows', 'text,label\n', /has a header \(columns: text, label\) but no rows/],
    [
      'a row with more fields than the header',
      'text,label\na,b\nc,d,e\n',
      /line 3 has 3 fields but the header has 2: a text holding a comma must be in double quotes/,
    ],
    ['a quote never closed', 'text,label\n"a,b\n', /a double quote opened on line 2 is never closed/],
  ])('refuses %s', async (_, content, message) => {
    await expect(readCsvFile(file(content))).rejects.toThrow(message);
  });

  it('a missing file or a directory is said in words', async () => {
    await expect(readCsvFile(join(dir, 'nope.csv'))).rejects.toThrow(/file not found: .*nope\.csv/);
    await expect(readCsvFile(dir)).rejects.toThrow(/is a directory, not a CSV file/);
  });
});

describe('split files', () => {
  let data: LabelledRows;
  const split = async (rows: string) => {
    data ??= await readLabelledCsv(file(TICKETS));
    return readSplitCsv(file(`row,split\n${rows}\n`), data);
  };

  it('gives the rows of each part as indices into the data, leaving out rows without text', async () => {
    const s = await split('0,train\n1,train\n2,test\n3,test\n4,train');
    expect(rowsOf(s, 'train')).toEqual([0, 2]); // data rows 0 and 4; row 1 has no text
    expect(rowsOf(s, 'test')).toEqual([1]); // data row 2; row 3 has no text
  });

  it.each(['', '1e3', '0x10', '2.0', ' 7 ', '-1', '+1', '１'])(
    'refuses the row cell "%s", naming the line',
    async (cell) => {
      await expect(split(`0,train\n"${cell}",test`)).rejects.toThrow(
        new RegExp(`line 3: row "${cell.replace(/[+]/g, '\\+')}" is not a data row number: write it in plain digits`),
      );
    },
  );

  it('refuses a row past the end of the data, naming the line and the count', async () => {
    await expect(split('0,train\n5,test')).rejects.toThrow(
      /line 3: row 5 is past the end of .* \(it has 5 data rows, numbered from 0\)/,
    );
  });

  it('refuses a row in both train and test, and a row listed twice', async () => {
    await expect(split('0,train\n2,test\n0,test')).rejects.toThrow(
      /line 4: row 0 is both train \(line 2\) and test; a row the model is trained on cannot score it/,
    );
    await expect(split('0,train\n2,train\n0,train')).rejects.toThrow(
      /line 4: row 0 is listed twice \(also on line 2\)/,
    );
  });

  it('refuses a part with no rows: nothing to evaluate, nothing to train on', async () => {
    expect(() => rowsOf({ path: 'split.csv', train: [1], test: [] }, 'test')).toThrow(
      'split.csv has no "test" rows with text: there is nothing to evaluate',
    );
    expect(() => rowsOf({ path: 'split.csv', train: [], test: [1] }, 'train')).toThrow(/nothing to train on/);
  });

  it('refuses a split word other than train or test', async () => {
    await expect(split('0,train\n2,validation')).rejects.toThrow(
      /line 3: split must be "train" or "test", not "validation"/,
    );
  });
});

describe('labels the model never saw', () => {
  it('are counted per category, most first', () => {
    expect(describeUnseenLabels(['A', 'X', 'Y', 'X', 'B'], ['A', 'B'])).toBe(
      '3 of 5 rows have 2 categories the model was never trained on: "X" (2), "Y" (1); they count as wrong (the model knows: A, B)',
    );
    expect(describeUnseenLabels(['A', 'B'], ['A', 'B'])).toBeUndefined();
  });
});

describe('a model directory', () => {
  it('that names an existing file is refused before any work', () => {
    const existing = file('x');
    expect(() => checkModelDirectory(existing)).toThrow(
      `${existing} is a file, not a directory: name a directory for the model`,
    );
    expect(() => checkModelDirectory(join(dir, 'new-model'))).not.toThrow();
    expect(() => checkModelDirectory(dir)).not.toThrow();
  });
});
