import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  describeModel,
  listModels,
  promoteByHand,
  rollback,
  type ManualDecision,
  type ModelDetail,
} from '../../operations/models.ts';
import type { ComparedWith } from '../../model-store/registry.ts';
import { renderModelReport } from '../../reports/model-report.ts';
import { percent, table } from '../output.ts';
import { storesOf } from '../stores.ts';
import { resolveTarget, targetOptions, type TargetOptions } from '../target.ts';
import { formatMetrics } from './evaluate.ts';

interface JsonOption extends TargetOptions {
  json?: boolean;
}

const short = (text: string | undefined, max = 70) =>
  !text ? '' : text.length > max ? `${text.slice(0, max - 1)}…` : text;
/** Who decided and why, from `--by` and `--reason`. */
const decisionOf = (options: { by?: string; reason?: string }): ManualDecision => ({
  ...(options.by && { by: options.by }),
  ...(options.reason && { reason: options.reason }),
});
const fig = (x: number | null | undefined) => (x === null || x === undefined ? '-' : percent(x));

/** The in-service model's figures a candidate was judged against: accuracy, and coverage when recorded. */
function versusInService(c: ComparedWith | undefined): string {
  if (c?.accuracy == null) return '-';
  return c.coverage == null ? fig(c.accuracy) : `${fig(c.accuracy)} / ${fig(c.coverage)}`;
}

export function formatModel(model: ModelDetail): string {
  const lines: string[] = [];
  const lineage = model.manifest?.lineage;
  const row = (label: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') lines.push(`  ${label.padEnd(20)} ${String(value)}`);
  };
  lines.push(`model ${model.version}${model.inService ? '   (in service)' : ''}`);
  row('status', `${model.status}${model.statusAt ? ` (${model.statusAt})` : ''}`);
  row('why', model.statusReason);
  row('created', model.createdAt);
  row('profile', model.profile);
  if (model.manifest)
    row(
      'parameters',
      Object.entries(model.manifest.parameters)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    );
  row('categories', model.manifest?.labels.join(', '));
  row('training rows', model.manifest?.trainingRows ?? model.trainingRows);
  row(
    'routing',
    model.routing
      ? `automatically at probability >= ${model.routing.threshold.toFixed(3)}, fitted for ${percent(model.routing.targetPrecision)} target precision`
      : model.manifest
        ? 'no routing policy (trained before routing was added): review below the old fixed 0.6 probability'
        : undefined,
  );
  if (model.coverage !== undefined)
    row(
      'routed (judged)',
      `${percent(model.coverage)} automatically at precision ${fig(model.autoPrecision)}, ECE ${fig(model.ece)}`,
    );
  if (lineage) {
    row(
      'base dataset',
      `${lineage.dataset.source ?? ''} (${lineage.dataset.rows} rows, sha256 ${lineage.dataset.sha256.slice(0, 16)}…)`,
    );
    if (lineage.feedback)
      row('feedback', `${lineage.feedback.count} tickets up to ${lineage.feedback.watermark ?? '-'}`);
    row('feedback snapshot', lineage.feedback?.snapshotKey);
    row('parent version', lineage.parentVersion);
  }
  row('made by run', model.retrainExecution);
  if (model.manifestError) row('artifact', `unreadable: ${model.manifestError}`);
  for (const h of model.serviceHistory) row(h.event, `${h.at}: ${h.reason}`);
  if (model.evaluation) {
    const e = model.evaluation;
    lines.push(
      '',
      `evaluated against ${e.inServiceVersion ?? 'no model'} on ${e.holdout.rows} tickets (${e.holdout.baseRows} base holdout + ${e.holdout.feedbackRows} held-out feedback)`,
    );
    lines.push(`  gate: ${e.gate.reason}`);
    if (e.inService)
      lines.push(
        `  the model in service then: accuracy ${percent(e.inService.accuracy)}, macro-F1 ${percent(e.inService.macroF1)}${e.inService.routing ? `, routed automatically ${percent(e.inService.routing.coverage)} at precision ${percent(e.inService.routing.autoPrecision)}` : ''}`,
      );
    const judged = e.routing?.inService;
    if (judged?.refittedFrom !== undefined)
      lines.push(
        `  (its threshold re-fitted from its own validation curve for ${percent(judged.targetPrecision)}: it was trained for ${percent(judged.refittedFrom)})`,
      );
  }
  if (model.metrics) lines.push('', formatMetrics(model.metrics));
  else lines.push('', '(no figures recorded for this version)');
  return lines.join('\n');
}

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('the model registry: list, show (with an HTML report), promote by hand, roll back');

  targetOptions(
    models
      .command('list')
      .description('every model version, newest first, with its status and figures')
      .option('--json', 'print as JSON'),
  ).action(async (options: JsonOption) => {
    const { registry } = storesOf(resolveTarget(options));
    const { inService, models: all } = await listModels(registry);
    if (options.json) {
      console.log(JSON.stringify({ inService, models: all }, null, 2));
      return;
    }
    if (all.length === 0) {
      console.log('no models yet: `triage start` trains a first one');
      return;
    }
    console.log(
      table(
        [
          '',
          'version',
          'status',
          'created',
          'accuracy',
          'macro-F1',
          'coverage',
          'auto-precision',
          'ECE',
          'vs in service',
          'feedback',
          'why',
        ],
        all.map((m) => [
          m.inService ? '*' : '',
          m.version,
          m.status,
          m.createdAt.slice(0, 19).replace('T', ' '),
          fig(m.accuracy),
          fig(m.macroF1),
          fig(m.coverage),
          fig(m.autoPrecision),
          fig(m.ece),
          versusInService(m.comparedWith),
          String(m.feedbackCount ?? 0),
          short(m.statusReason),
        ]),
      ),
    );
    console.log(
      `\n* in service${inService ? ` since ${inService.promotedAt}` : ''}. Coverage: share of the holdout routed automatically (not to review) at the model's target precision; vs in service: the model it was judged against, accuracy / coverage.\n\`triage models show <version>\` for lineage, per-category figures and the confusion matrix.`,
    );
  });

  targetOptions(
    models
      .command('show')
      .description('one version: lineage, status and why, figures per category, confusion matrix')
      .argument('<version>', 'the model version')
      .option('--html <file>', 'also write a self-contained HTML report (confusion heat map, precision/recall bars)')
      .option('--json', 'print as JSON'),
  ).action(async (version: string, options: JsonOption & { html?: string }) => {
    const deps = storesOf(resolveTarget(options));
    const model = await describeModel(deps, version);
    if (options.html) await writeFile(options.html, renderModelReport(model));
    if (options.json) console.log(JSON.stringify(model, null, 2));
    else console.log(formatModel(model));
    if (options.html && !options.json) console.log(`\nHTML report: ${options.html}`);
  });

  targetOptions(
    models
      .command('promote')
      .description('put a version in service by hand (bypasses the retraining gate; recorded as a manual promotion)')
      .argument('<version>', 'the model version')
      .option('--by <name>', 'who decided')
      .option('--reason <text>', 'why (recorded with the decision)')
      .option('--json', 'print as JSON'),
  ).action(async (version: string, options: JsonOption & { by?: string; reason?: string }) => {
    const deps = storesOf(resolveTarget(options));
    const result = await promoteByHand(deps, version, decisionOf(options));
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else console.log(`model ${result.version} is in service (was ${result.previousVersion ?? 'none'})`);
  });

  targetOptions(
    models
      .command('rollback')
      .description(
        'put back the model that was in service before the current one (the current one is recorded as rolled back)',
      )
      .option('--by <name>', 'who decided')
      .option('--reason <text>', 'why (recorded with the decision)')
      .option('--json', 'print as JSON'),
  ).action(async (options: JsonOption & { by?: string; reason?: string }) => {
    const deps = storesOf(resolveTarget(options));
    const result = await rollback(deps, decisionOf(options));
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else
      console.log(
        `rolled back: model ${result.version} is in service again (${result.previousVersion} is recorded as rolled back)`,
      );
  });
}
