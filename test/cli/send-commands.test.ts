import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStackFile } from '../../src/local-stack/stack-file.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * `triage send` and `triage runs` against a running local stack, as a person
 * runs them (child processes that find the stack through its stack file; this
 * test process plays `npm start`): rows that cannot be sent, a named text
 * column, a ticket id used before, and output piped into `head`.
 */
const run = promisify(execFile);
const TRIAGE = new URL('../../bin/triage.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'triage-cli-send-'));
const dataDir = join(dir, 'data');

async function triage(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [TRIAGE, ...args, '--data-dir', dataDir], {
      env: { ...process.env, TRIAGE_DEBUG: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const csv = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ dataDir });
  await t.bootstrap();
  writeStackFile(dataDir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    webUrl: t.stack.webUrl,
    environment: t.stack.environment,
  });
  await t.send({ ticketId: 'PIPE-1', body: 'the printer on floor two is jammed again' });
  await t.until(() => t.outputs.some((o) => o.ticketId === 'PIPE-1'), 30_000);
}, 90_000);

afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('triage send --file', () => {
  it('sends the rows that can be classified; the others are named by line, not sent, and the exit code is 1', async () => {
    const file = csv(
      'mixed.csv',
      'ticketId,subject,body\nMIX-1,Printer,the printer is jammed\nMIX-2,,\nMIX-3,,my vpn login fails\n',
    );
    const result = await triage('send', '--file', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^sent 2 of 3 tickets from .*mixed\.csv/m);
    expect(result.stdout).toMatch(/not sent: line 3: the message has no ticket text/);
    await t.until(() => ['MIX-1', 'MIX-3'].every((id) => t.outputs.some((o) => o.ticketId === id)), 30_000);
    expect(t.rejections.some((r) => r.ticketId === 'MIX-2')).toBe(false);
  });

  it('--text-column names the column with the text (several are joined)', async () => {
    const file = csv(
      'named.csv',
      'ticketId,Title,Document,Topic_group\nCOL-1,Laptop,my laptop screen flickers,Hardware\nCOL-2,Access,cannot log in after the password reset,Access\n',
    );
    const result = await triage('send', '--file', file, '--text-column', 'Title,Document');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^sent 2 of 2 tickets/m);
    await t.until(() => ['COL-1', 'COL-2'].every((id) => t.outputs.some((o) => o.ticketId === id)), 30_000);
  });
});

describe('triage send prints where the ticket goes', () => {
  const ROUTE_LINE =
    /^(\S+) {2}(\d+\.\d)% {3}route: (auto|review \((low confidence|unknown: fits no category well)\))$/m;

  it('the category, its probability and the route: auto, or review with the reason, as on the output queue', async () => {
    const known = await triage('send', '--ticket-id', 'ROUTE-1', 'the printer on floor three is jammed');
    // Words the model has never seen: nothing to be sure of.
    const unknown = await triage('send', '--ticket-id', 'ROUTE-2', 'zqx vorpal frabjous quux');
    for (const [result, ticketId] of [
      [known, 'ROUTE-1'],
      [unknown, 'ROUTE-2'],
    ] as const) {
      expect(result.code).toBe(0);
      const line = ROUTE_LINE.exec(result.stdout);
      expect(line, result.stdout).not.toBeNull();
      await t.until(() => t.outputs.some((o) => o.ticketId === ticketId), 30_000);
      const message = t.outputs.find((o) => o.ticketId === ticketId)!;
      expect(line![1]).toBe(message.category);
      expect(line![3]!.split(' ')[0]).toBe(message.route);
      if (message.route === 'review')
        expect(line![4]).toBe(message.reason === 'unknown' ? 'unknown: fits no category well' : 'low confidence');
    }
    expect(unknown.stdout).toMatch(/route: review \(low confidence\)/);
    expect(unknown.stdout).toMatch(/^ticket ROUTE-2, model \S+, run ticket-ROUTE-2$/m);
  }, 60_000);

  it('--json: the output message, with route (and reason) beside needsReview', async () => {
    const result = await triage('send', '--ticket-id', 'ROUTE-3', 'zqx vorpal frabjous quux', '--json');
    const parsed = JSON.parse(result.stdout) as { result: { route: string; reason?: string; needsReview: boolean } };
    expect(parsed.result).toMatchObject({ route: 'review', reason: 'low-confidence', needsReview: true });
  }, 60_000);
});

describe('triage send with a ticket id used before', () => {
  it('says at once that this message is a duplicate or a conflict (not after the wait), exit 1', async () => {
    const first = await triage('send', '--ticket-id', 'AGAIN-1', 'my laptop does not boot', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'SUCCEEDED', result: { ticketId: 'AGAIN-1' } });
    // A wait longer than the test's timeout: the answer must come from the rejection, not the clock.
    const second = await triage('send', '--ticket-id', 'AGAIN-1', 'another text entirely', '--wait', '600');
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(
      /ticket AGAIN-1 not classified: ticket AGAIN-1 was sent before \(run ticket-AGAIN-1\): a ticket id is classified once/,
    );
    expect(second.stdout).toMatch(/the earlier one was classified /);
  }, 60_000);
});

describe('triage runs show X | head -3', () => {
  it('prints the first lines and stops quietly: no EPIPE, no stack trace', async () => {
    const { stdout, stderr } = await run('/bin/bash', [
      '-c',
      `set -o pipefail; node ${TRIAGE} runs show ticket-PIPE-1 --data-dir ${dataDir} | head -3; echo "status $?" >&2`,
    ]);
    expect(stdout.split('\n').filter(Boolean).length).toBeLessThanOrEqual(3);
    expect(stdout).toMatch(/^ticket-PIPE-1: SUCCEEDED/);
    expect(stderr).toBe('status 0\n');
    // A reader that is gone before the first line (head may have read everything above): every write meets EPIPE.
    const closed = await run('/bin/bash', [
      '-c',
      `set -o pipefail; node ${TRIAGE} runs show ticket-PIPE-1 --data-dir ${dataDir} | true; echo "status $?" >&2`,
    ]);
    expect(closed.stderr).toBe('status 0\n');
  });
});
