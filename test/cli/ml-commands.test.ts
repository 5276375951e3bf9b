import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const TRIAGE = new URL('../../bin/triage.mjs', import.meta.url).pathname;

async function triage(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return triageWith({}, ...args);
}

/** `triage` with settings in its environment. */
async function triageWith(
  env: Record<string, string>,
  ...args: string[]
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

const dir = mkdtempSync(join(tmpdir(), 'triage-cli-'));
const csv = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const rows = [
  ['printer jammed on floor two', 'Hardware'],
  ['toner cartridge empty in the printer', 'Hardware'],
  ['laptop screen flickers', 'Hardware'],
  ['docking station not detected', 'Hardware'],
  ['cannot log in password expired', 'Access'],
  ['account locked after reset', 'Access'],
  ['need access to the finance share', 'Access'],
  ['vpn login fails with password error', 'Access'],
  ['please order two monitors', 'Purchase'],
  ['quote for ten keyboards', 'Purchase'],
  ['purchase a licence for the design tool', 'Purchase'],
  ['order a headset for the new hire', 'Purchase'],
];
const good = csv('tickets.csv', `text,label\n${rows.map(([t, l]) => `"${t}",${l}`).join('\n')}\n`);
const split = csv(
  'split.csv',
  `row,split\n${rows.map((_, i) => `${i},${i % 4 === 3 ? 'test' : 'train'}`).join('\n')}\n`,
);

describe('triage train / evaluate / predict', () => {
  const model = join(dir, 'model');

  it('trains, evaluates with a split and writes predictions, predicts with an explanation', async () => {
    const trained = await triage(
      'train',
      '--data',
      good,
      '--split',
      split,
      '--profile',
      'reference',
      '--out',
      model,
      '--json',
    );
    expect(trained.code).toBe(0);
    expect(JSON.parse(trained.stdout)).toMatchObject({
      profile: 'reference',
      rows: 9,
      labels: ['Access', 'Hardware', 'Purchase'],
    });

    const predictions = join(dir, 'preds.csv');
    const evaluated = await triage(
      'evaluate',
      '--model',
      model,
      '--data',
      good,
      '--split',
      split,
      '--predictions',
      predictions,
      '--json',
    );
    expect(evaluated.code).toBe(0);
    const metrics = JSON.parse(evaluated.stdout);
    expect(metrics.examples).toBe(3);
    expect(metrics.confusion).toHaveLength(3);
    expect(readFileSync(predictions, 'utf8').split('\n')[0]).toBe('row,true,pred,probability,route,reason');
    expect(metrics.coverage).toBeGreaterThanOrEqual(0);
    expect(metrics.coverage).toBeLessThanOrEqual(1);
    expect(metrics.autoPrecision).toBeGreaterThanOrEqual(0);
    expect(metrics.autoPrecision).toBeLessThanOrEqual(1);
    expect(metrics.ece).toBeGreaterThanOrEqual(0);
    expect(metrics.targetPrecision).toBe(0.95);
    expect(metrics.perCategoryRouting).toHaveLength(3);

    const predicted = await triage('predict', '--model', model, '--json', 'the', 'printer', 'is', 'jammed');
    expect(predicted.code).toBe(0);
    const result = JSON.parse(predicted.stdout);
    expect(result.category).toBe('Hardware');
    expect(['auto', 'review']).toContain(result.route);
    expect(result.needsReview).toBe(result.route === 'review');
    expect(result.explanation.map((e: { term: string }) => e.term)).toContain('printer');

    // As text: the category, its probability and the same route (and reason), as `triage send` prints them.
    const printed = await triage('predict', '--model', model, 'the', 'printer', 'is', 'jammed');
    expect(printed.code).toBe(0);
    const first = printed.stdout.split('\n')[0];
    const reasonText = result.reason === 'unknown' ? 'unknown: fits no category well' : 'low confidence';
    expect(first).toBe(
      `Hardware  ${(100 * result.probability).toFixed(1)}%   route: ${result.route === 'auto' ? 'auto' : `review (${reasonText})`}`,
    );
  });

  it('trains without held-out categories and scores their rows as unknown', async () => {
    const open = join(dir, 'open-model');
    const trained = await triage(
      'train',
      '--data',
      good,
      '--profile',
      'reference',
      '--hold-out-categories',
      '1',
      '--seed',
      '3',
      '--target-precision',
      '0.9',
      '--out',
      open,
      '--json',
    );
    expect(trained.code).toBe(0);
    const summary = JSON.parse(trained.stdout);
    expect(summary.heldOutCategories).toHaveLength(1);
    expect(summary.labels).toHaveLength(2);
    expect(summary.labels).not.toContain(summary.heldOutCategories[0]);
    expect(summary.routing.targetPrecision).toBe(0.9);
    expect(summary.routing.unknown).toBeDefined();
    const evaluated = await triage('evaluate', '--model', open, '--data', good, '--json');
    expect(evaluated.code).toBe(0);
    const metrics = JSON.parse(evaluated.stdout);
    expect(metrics.openSet.unknownRows).toBe(4);
    expect(metrics.openSet.inScopeRows).toBe(8);
    expect(metrics.unknownRecall).toBeGreaterThanOrEqual(0);
    expect(metrics.inScopeAccuracy).toBeLessThanOrEqual(metrics.openSet.closedSetAccuracy);
  });

  it('evaluates at another target precision, re-fitted from the model', async () => {
    const evaluated = await triage('evaluate', '--model', model, '--data', good, '--target-precision', '0.5', '--json');
    expect(evaluated.code).toBe(0);
    const metrics = JSON.parse(evaluated.stdout);
    expect(metrics.targetPrecision).toBe(0.5);
    expect(metrics.coverage).toBeGreaterThan(0);
  });

  it('without --target-precision: the TARGET_PRECISION setting (train fits for it; evaluate re-fits for it)', async () => {
    const fromSetting = join(dir, 'model-setting');
    const trained = await triageWith(
      { TARGET_PRECISION: '0.8' },
      'train',
      '--data',
      good,
      '--profile',
      'reference',
      '--out',
      fromSetting,
      '--json',
    );
    expect(trained.code).toBe(0);
    expect(JSON.parse(trained.stdout).routing.targetPrecision).toBe(0.8);
    const own = JSON.parse((await triage('evaluate', '--model', fromSetting, '--data', good, '--json')).stdout);
    expect(own.targetPrecision).toBe(0.8);
    const refitted = await triageWith(
      { TARGET_PRECISION: '0.6' },
      'evaluate',
      '--model',
      fromSetting,
      '--data',
      good,
      '--json',
    );
    expect(JSON.parse(refitted.stdout).targetPrecision).toBe(0.6);
    const bad = await triageWith({ TARGET_PRECISION: '95%' }, 'train', '--data', good, '--out', join(dir, 'x'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/setting TARGET_PRECISION is invalid: "95%"/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints a human-readable evaluation with a confusion matrix', async () => {
    const evaluated = await triage('evaluate', '--model', model, '--data', good);
    expect(evaluated.stdout).toMatch(/accuracy \d+\.\d\d%/);
    expect(evaluated.stdout).toMatch(/confusion matrix/);
    expect(evaluated.stdout).toMatch(/routed automatically \d+\.\d\d% at precision/);
  });

  it.each([
    [['train', '--data', join(dir, 'nope.csv'), '--out', model], /file not found: .*nope\.csv/],
    [
      ['train', '--data', csv('cols.csv', 'content,kind\nx,y\n'), '--out', model],
      /cannot tell which column .* holds the text \(columns: content, kind\)/,
    ],
    [
      ['train', '--data', good, '--text-column', 'subject', '--out', model],
      /no column "subject" \(columns: text, label\)/,
    ],
    [
      ['train', '--data', csv('empty.csv', 'text,label\n,a\n ,b\n'), '--out', model],
      /text column "text" .* is empty in every row/,
    ],
    [
      [
        'train',
        '--data',
        csv('one.csv', 'text,label\nprinter broken,Hardware\nlaptop broken,Hardware\n'),
        '--out',
        model,
      ],
      /at least 2 categories.*"Hardware"/,
    ],
    [
      ['train', '--data', csv('bad.csv', 'text,label\n"unterminated,Hardware\n'), '--out', model],
      /a double quote opened on line 2 is never closed/,
    ],
    [['train', '--data', good, '--profile', 'magic', '--out', model], /unknown profile "magic"/],
    [['evaluate', '--model', join(dir, 'missing-model'), '--data', good], /no model at .*missing-model/],
    [['predict', '--model', model, '   '], /ticket text is empty/],
    [
      ['train', '--data', good, '--target-precision', '1.5', '--out', model],
      /option '--target-precision <p>' argument '1.5' is invalid. It must be a number from 0 to 1/,
    ],
    [['train', '--data', good, '--hold-out-categories', '2', '--out', model], /cannot hold out 2 of 3 categories/],
    [['train', '--data', good, '--unknown-label', 'Nope', '--out', model], /no training row has the label "Nope"/],
  ])('fails clearly: %j', async (args, message) => {
    const result = await triage(...(args as string[]));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('detects a corrupt model artifact', async () => {
    const corrupt = join(dir, 'corrupt');
    await triage('train', '--data', good, '--out', corrupt, '--profile', 'reference');
    const file = join(corrupt, 'classifier.bin');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(file, bytes);
    const result = await triage('predict', '--model', corrupt, 'printer');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/classifier\.bin does not match its checksum/);
  });

  it('has --help on every command', async () => {
    for (const command of ['train', 'evaluate', 'predict']) {
      const help = await triage(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Usage: triage/);
    }
  });
});
