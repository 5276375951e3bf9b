import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStackFile } from '../../src/local-stack/stack-file.ts';

/**
 * Bad input to the `triage` command, run as a person runs it (a child
 * process; stdout, stderr and the exit code checked), with no stack running:
 * option values, data files, files that are not what they should be. Each
 * answer names the problem and the fix, exits non-zero (2: bad input; 3: not
 * possible here), and never shows a stack trace. Data files are written to a
 * temporary directory.
 */
const run = promisify(execFile);
const TRIAGE = new URL('../../bin/triage.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'triage-bad-input-'));
const noStack = join(dir, 'no-stack');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function triage(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [TRIAGE, ...args], {
      env: { ...process.env, TRIAGE_DEBUG: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let files = 0;
const csv = (content: string | Buffer, name = `f${files++}.csv`) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const STACK_TRACE = /\n\s+at .*:\d+/;

const ROWS = [
  ['printer jammed on floor two', 'Hardware'],
  ['toner cartridge empty in the printer', 'Hardware'],
  ['laptop screen flickers', 'Hardware'],
  ['docking station not detected', 'Hardware'],
  ['cannot log in password expired', 'Access'],
  ['account locked after reset', 'Access'],
  ['need access to the finance share', 'Access'],
  ['vpn login fails with password error', 'Access'],
];
const good = csv(`text,label\n${ROWS.map(([t, l]) => `"${t}",${l}`).join('\n')}\n`);
const split = csv(`row,split\n${ROWS.map((_, i) => `${i},${i % 4 === 3 ? 'test' : 'train'}`).join('\n')}\n`);
const model = join(dir, 'model');

describe.concurrent('option values are checked before anything runs (exit 2, the option and what it must be)', () => {
  // The whole table of values is in test/unit/cli/options.test.ts; these go through the real command line.
  it.each([
    [
      ['send', 'printer', '--wait', 'abc'],
      /option '--wait <seconds>' argument 'abc' is invalid\. It must be a number of seconds from 0 to 3600/,
    ],
    [
      ['send', 'printer', '--wait=-5'],
      /option '--wait <seconds>' argument '-5' is invalid\. It must be a number of seconds/,
    ],
    [
      ['send', 'printer', '--ticket-id', 'x'.repeat(300)],
      /A ticket id must be at most 256 characters \(this one has 300 characters\)/,
    ],
    [
      ['runs', '--limit', '2.0'],
      /option '--limit <n>' argument '2\.0' is invalid\. It must be a whole number from 1 to 1000/,
    ],
    [
      ['start', '--port', 'http'],
      /option '--port <port>' argument 'http' is invalid\. It must be a whole number from 0 to 65535/,
    ],
    [['feedback', 'import', 'x.csv', '--concurrency', '1e3'], /option '--concurrency <n>' argument '1e3' is invalid/],
    [
      ['predict', '--model', model, '--top', '0', 'x'],
      /option '--top <k>' argument '0' is invalid\. It must be a whole number from 1 to 100/,
    ],
  ])('%j', async (args, message) => {
    const result = await triage(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stdout).toBe('');
  });
});

describe.concurrent('send --file', () => {
  it('refuses a CSV with no text column, naming the columns found and --text-column', async () => {
    const file = csv('ticketId,summary,priority\nT-1,printer broken,high\nT-2,vpn down,low\n');
    const result = await triage(['send', '--file', file, '--data-dir', noStack]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /has no column with the ticket text \(columns: ticketId, summary, priority\): name it with --text-column <name>/,
    );
    expect(result.stdout).not.toMatch(/sent/);
  });

  it.each([
    ['empty', '', /is empty: it needs a header row and one row per ticket/],
    ['header-only', 'ticketId,body\n', /has a header \(columns: ticketId, body\) but no rows/],
  ])('refuses an %s CSV', async (_, content, message) => {
    const result = await triage(['send', '--file', csv(content), '--data-dir', noStack]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});

describe.concurrent('data files', () => {
  beforeAll(async () => {
    const trained = await triage(['train', '--data', good, '--split', split, '--profile', 'reference', '--out', model]);
    expect(trained.code).toBe(0);
  }, 120_000);

  it('train: rows with no text skipped and bytes that are not UTF-8, each with a warning with counts; labels trimmed', async () => {
    const file = csv(
      Buffer.concat([
        Buffer.from(
          `text,label\n${ROWS.map(([t, l], i) => `"${t}",${i % 2 ? ` ${l} ` : l}`).join('\n')}\n,Hardware\n  ,Access\n"caf`,
        ),
        Buffer.from([0xe9]),
        Buffer.from(' printer broken",Hardware\n'),
      ]),
    );
    const result = await triage([
      'train',
      '--data',
      file,
      '--profile',
      'reference',
      '--out',
      join(dir, 'm-warned'),
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /^warning: .* is not valid UTF-8: 1 line holds bytes that are not \(the first is line 12\)/m,
    );
    expect(result.stderr).toMatch(/^warning: .*skipped 2 of 11 rows with no text in column "text" \(lines 10, 11\)/m);
    const summary = JSON.parse(result.stdout);
    expect(summary.rows).toBe(9);
    expect(summary.labels).toEqual(['Access', 'Hardware']);
  });

  it('train: a split row that is not a plain whole number ("1e3") is refused naming the line', async () => {
    const file = csv('row,split\n0,train\n1e3,train\n');
    const result = await triage(['train', '--data', good, '--split', file, '--out', join(dir, 'm-x')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line 3: row "1e3" is not a data row number: write it in plain digits/);
  });

  it('train: a row in both train and test is refused', async () => {
    const file = csv('row,split\n0,train\n1,train\n2,test\n1,test\n');
    const result = await triage(['train', '--data', good, '--split', file, '--out', join(dir, 'm-x')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line 5: row 1 is both train \(line 3\) and test/);
  });

  it('train: a semicolon-separated file is refused, naming the delimiter', async () => {
    const file = csv(`text;label\n${ROWS.map(([t, l]) => `${t};${l}`).join('\n')}\n`);
    const result = await triage(['train', '--data', file, '--out', join(dir, 'm-x')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/looks semicolon-separated .*triage reads comma-separated files/);
  });

  it('train: --out naming an existing file is refused before training, with a clear message', async () => {
    const existing = csv('not a model', 'model.bin');
    const result = await triage(['train', '--data', good, '--out', existing]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: ${existing} is a file, not a directory: name a directory for the model (it is created if missing)\n`,
    );
  });

  it('evaluate: no test rows is an error', async () => {
    const onlyTrain = csv('row,split\n0,train\n1,train\n');
    const none = await triage(['evaluate', '--model', model, '--data', good, '--split', onlyTrain]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/has no "test" rows with text: there is nothing to evaluate/);
    expect(none.stdout).toBe('');
  });

  it('evaluate: test labels the model never saw are a warning with counts and the labels', async () => {
    const other = csv(
      'text,label\nmy card was declined,card_declined\nprinter jammed,Hardware\ncard declined again,card_declined\n',
    );
    const unseen = await triage(['evaluate', '--model', model, '--data', other]);
    expect(unseen.code).toBe(0);
    expect(unseen.stderr).toMatch(
      /warning: 2 of 3 rows have a category the model was never trained on: "card_declined" \(2\); they count as wrong \(the model knows: Access, Hardware\)/,
    );
  });

  it('feedback import: a semicolon-separated file is refused before a stack is needed', async () => {
    const result = await triage(['feedback', 'import', csv('ticketId;category\nT-1;Access\n'), '--data-dir', noStack]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/looks semicolon-separated/);
  });

  it('bootstrap: the data file is checked before a stack is needed', async () => {
    const result = await triage(['bootstrap', '--data', csv('text,label\n'), '--data-dir', noStack]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/has a header \(columns: text, label\) but no rows/);
  });

  it('evaluate --predictions into a directory that does not exist: the path and what is wrong, no stack trace', async () => {
    const result = await triage([
      'evaluate',
      '--model',
      model,
      '--data',
      good,
      '--predictions',
      join(dir, 'nope', 'p.csv'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: .*nope\/p\.csv: no such file or directory/);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});

describe.concurrent('no stack, or one that does not answer', () => {
  it('no local stack running: exit 3, saying how to start one', async () => {
    const result = await triage(['runs', '--data-dir', noStack]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no local stack is running .* start it with `npm start`/);
  });

  it('a stack that does not answer: exit 3, the address; TRIAGE_DEBUG=1 adds the stack trace', {
    timeout: 120_000,
  }, async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    const dead = join(dir, 'dead-stack');
    mkdirSync(dead, { recursive: true });
    const endpoint = `http://127.0.0.1:${port}`;
    writeStackFile(dead, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      environment: {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        CLASSIFY_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:classify-ticket',
      },
    });
    const result = await triage(['runs', '--data-dir', dead]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      new RegExp(`error: nothing answers at 127\\.0\\.0\\.1:${port}: is the stack still running\\?`),
    );
    expect(result.stderr).not.toMatch(STACK_TRACE);
    const debug = await triage(['runs', '--data-dir', dead], { TRIAGE_DEBUG: '1' });
    expect(debug.code).toBe(3);
    expect(debug.stderr).toMatch(STACK_TRACE);
  });
});

describe.concurrent('output into a pipe that closes', () => {
  it('stops quietly: no EPIPE, no stack trace, exit 0', async () => {
    expect(existsSync('/bin/bash')).toBe(true);
    // `true` exits at once: every write of triage's output meets a closed pipe.
    const { stdout, stderr } = await run('/bin/bash', [
      '-c',
      `set -o pipefail; node ${TRIAGE} train --help | true; echo "status $?"`,
    ]);
    expect(stdout).toBe('status 0\n');
    expect(stderr).toBe('');
  });
});
