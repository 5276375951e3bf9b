import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStackFile } from '../../src/local-stack/stack-file.ts';
import { MORE_KNOWN_TICKETS, NETWORK_TICKETS } from '../support/feedback-tickets.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * `triage feedback`, `triage retrain` and `triage models` as a person runs
 * them: child processes that find the running local stack through its stack
 * file (this test process plays `npm start`).
 */
const run = promisify(execFile);
const TRIAGE = new URL('../../bin/triage.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'triage-cli-feedback-'));
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

const TICKETS = [
  ...NETWORK_TICKETS.map((text, i) => ({ ticketId: `C-NET-${i}`, text, label: 'Network' })),
  ...MORE_KNOWN_TICKETS.map((r, i) => ({ ticketId: `C-${i}`, text: r.text, label: r.label })),
];

let t: TestStack;
let v1: string;

beforeAll(async () => {
  // The gate's holdout here is a handful of tickets (one is several points of coverage): a tolerance of one ticket.
  t = await startTestStack({ dataDir, settings: { MIN_NEW_FEEDBACK: '10', COVERAGE_TOLERANCE: '0.1' } });
  v1 = await t.bootstrap();
  writeStackFile(dataDir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    webUrl: t.stack.webUrl,
    environment: t.stack.environment,
  });
  for (const ticket of TICKETS) await t.send({ ticketId: ticket.ticketId, body: ticket.text });
  await t.until(() => t.outputs.length >= TICKETS.length, 30_000);
}, 60_000);

afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const predicted = (ticketId: string) => t.outputs.find((o) => o.ticketId === ticketId)!.category;

describe('triage feedback', () => {
  it('confirms with --correct and corrects with --category, saying what it recorded', async () => {
    const confirmed = await triage('feedback', 'C-0', '--correct', '--by', 'ana');
    expect(confirmed).toMatchObject({ code: 0, stdout: `C-0: confirmed "${predicted('C-0')}" by ana\n` });
    const other = ['Hardware', 'Access', 'Purchase'].find((c) => c !== predicted('C-1'))!;
    const corrected = await triage('feedback', 'C-1', '--category', other);
    expect(corrected.code).toBe(0);
    expect(corrected.stdout).toBe(`C-1: corrected "${predicted('C-1')}" -> "${other}"\n`);
    const again = await triage('feedback', 'C-1', '--category', predicted('C-1'), '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({
      ticketId: 'C-1',
      feedback: { verdict: 'confirmed' },
      replaced: { verdict: 'corrected', category: other },
    });
  });

  it.each([
    [['feedback', 'NOPE', '--correct'], /error: there is no ticket "NOPE"/],
    [
      ['feedback', 'C-2', '--category', 'Network'],
      /error: the model does not know the category "Network" .*--allow-new-category/,
    ],
    [['feedback', 'C-2', '--correct', '--category', 'Access'], /error: give either --correct or --category, not both/],
    [['feedback', 'C-2'], /error: say what is right: --correct .* or --category <name>/],
  ])('fails clearly: %j', async (args, message) => {
    const result = await triage(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('imports a CSV: accepted and rejected rows with reasons, exit code 1 when any row is rejected', async () => {
    const rows = TICKETS.map((ticket) => [ticket.ticketId, ticket.label]);
    const file = join(dir, 'corrections.csv');
    writeFileSync(
      file,
      `${['ticketId,category', ...rows.map((r) => r.join(',')), 'NOPE-1,Hardware', ',Access'].join('\n')}\n`,
    );
    const result = await triage('feedback', 'import', file, '--allow-new-category', '--by', 'bulk', '--json');
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      rows: TICKETS.length + 2,
      accepted: TICKETS.length,
      rejected: 2,
      newCategories: ['Network'],
    });
    expect(summary.confirmed + summary.corrected).toBe(TICKETS.length);
    expect(summary.rejectedRows).toEqual([
      { line: TICKETS.length + 2, ticketId: 'NOPE-1', reason: expect.stringMatching(/there is no ticket "NOPE-1"/) },
      { line: TICKETS.length + 3, ticketId: '', reason: 'no ticket id' },
    ]);
    expect((await t.feedback.get('C-NET-0'))!.feedback).toMatchObject({
      verdict: 'corrected',
      category: 'Network',
      newCategory: true,
      by: 'bulk',
    });

    const human = await triage('feedback', 'import', file, '--allow-new-category');
    expect(human.stdout).toMatch(new RegExp(`${TICKETS.length} of ${TICKETS.length + 2} rows accepted .*, 2 rejected`));
    expect(human.stdout).toMatch(/rejected rows:\n.*line.*ticket.*reason/);
  });

  it('refuses a CSV without the columns it needs', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'ticket,comment\nC-1,nice\n');
    const result = await triage('feedback', 'import', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs a category column .* or a verdict column/);
  });
});

describe('triage retrain and triage models', () => {
  it('retrain follows the run to the end; models list/show/promote/rollback read and move the registry', async () => {
    const retrained = await triage('retrain');
    expect(retrained.code).toBe(0);
    expect(retrained.stdout).toMatch(/^retraining started: retrain-/);
    expect(retrained.stdout).toMatch(
      / {2}GatherFeedback\n {2}EnoughNewFeedback\n {2}Retrain\n {2}Evaluate\n {2}GateHolds\n {2}Promote\n/,
    );
    expect(retrained.stdout).toMatch(/promoted: model \S+ is in service\n {2}candidate: accuracy/);
    const v2 = (await t.registry.inService())!.modelVersion;
    expect(v2).not.toBe(v1);

    const list = JSON.parse((await triage('models', 'list', '--json')).stdout);
    expect(list.models.map((m: { version: string; inService: boolean }) => [m.version, m.inService])).toEqual([
      [v2, true],
      [v1, false],
    ]);
    const table = (await triage('models', 'list')).stdout;
    expect(table).toMatch(new RegExp(`\\*\\s+${v2}\\s+promoted`));
    // Coverage, precision of the automatic routes and ECE of every judged model; vs in service: accuracy / coverage.
    expect(table).toMatch(/accuracy +macro-F1 +coverage +auto-precision +ECE +vs in service/);
    expect(table).toMatch(new RegExp(`${v2}(\\s+\\S+){3}(\\s+\\d+\\.\\d\\d%){5}\\s+\\d+\\.\\d\\d% / \\d+\\.\\d\\d%`));
    expect(list.models[0]).toMatchObject({
      coverage: expect.any(Number),
      coverageAtTarget: expect.any(Number),
      autoPrecision: expect.any(Number),
      ece: expect.any(Number),
      targetPrecision: 0.95,
    });

    const html = join(dir, 'report.html');
    const shown = await triage('models', 'show', v2, '--html', html);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`model ${v2} {3}\\(in service\\)`));
    expect(shown.stdout).toMatch(/parent version +\S+/);
    expect(shown.stdout).toMatch(/evaluated against .* \(6 base holdout \+ \d+ held-out feedback\)/);
    expect(shown.stdout).toMatch(/confusion matrix/);
    expect(shown.stdout).toMatch(
      /routing +automatically at probability >= \d\.\d{3}, fitted for 95\.00% target precision/,
    );
    expect(shown.stdout).toMatch(/routed \(judged\) +\d+\.\d\d% automatically at precision \d+\.\d\d%, ECE \d+\.\d\d%/);
    expect(shown.stdout).toMatch(/routed automatically \d+\.\d\d% at precision \d+\.\d\d% {3}ECE/);
    expect(shown.stdout).toMatch(/gate: accuracy (and coverage hold|holds): .*coverage at 95\.00% precision/);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|https?:\/\//); // self-contained
    expect(page).toContain('class="heatmap"');
    expect(page).toContain('class="bar precision"');
    expect(page).toContain('class="bar coverage"');
    expect(page).toMatch(/routed automatically<b>\d+\.\d%<\/b>/);
    expect(page).toMatch(/calibration error \(ECE\)<b>\d+\.\d%<\/b>/);
    expect(page).toContain('required coverage at the target precision');
    expect(page).toContain('Network');

    const json = JSON.parse((await triage('models', 'show', v2, '--json')).stdout);
    expect(json).toMatchObject({
      version: v2,
      status: 'promoted',
      manifest: { lineage: { parentVersion: v1 } },
      evaluation: { inServiceVersion: v1 },
    });

    const back = await triage('models', 'rollback', '--by', 'ops', '--reason', 'misroutes VPN tickets');
    expect(back).toMatchObject({
      code: 0,
      stdout: `rolled back: model ${v1} is in service again (${v2} is recorded as rolled back)\n`,
    });
    expect(await t.registry.get(v2)).toMatchObject({
      status: 'rejected',
      statusReason: expect.stringMatching(/^rolled back by ops to \S+ on \S+: misroutes VPN tickets/),
    });
    const forward = await triage('models', 'promote', v2, '--json');
    expect(JSON.parse(forward.stdout)).toEqual({ version: v2, previousVersion: v1 });
    expect((await triage('models', 'promote', v2)).stderr).toMatch(/is already in service/);
    expect((await triage('models', 'show', 'nope')).stderr).toMatch(/error: there is no model version "nope"/);

    const skipped = await triage('retrain');
    expect(skipped.stdout).toMatch(/skipped: not enough new feedback \(0 new since/);
  }, 60_000);
});
