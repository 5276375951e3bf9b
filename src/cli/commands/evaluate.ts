import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { describeUnseenLabels, readLabelledCsv, readSplitCsv, rowsOf } from '../../data/labelled-csv.ts';
import { evaluatePredictions, type Evaluation, type EvaluatedPrediction } from '../../model/evaluation.ts';
import type { Metrics } from '../../model/metrics.ts';
import { chooseHeldOutCategories } from '../../model/open-set.ts';
import { retarget, type RoutingPolicy } from '../../model/routing.ts';
import { loadModelDirectory } from '../../model-store/directory.ts';
import { precisionTarget, targetPrecisionIfGiven, wholeNumber } from '../options.ts';
import { CliError, percent, progress, table, warn } from '../output.ts';

interface EvaluateOptions {
  model: string;
  data: string;
  textColumn?: string;
  labelColumn?: string;
  split?: string;
  predictions?: string;
  json?: boolean;
  targetPrecision?: number;
  unknownLabel?: string;
  holdOutCategories?: number;
  seed: number;
}

/** The routing and open-set figures of an evaluation, for people. */
export function formatRouting(e: Evaluation, policy: RoutingPolicy): string {
  const lines = [
    `routed automatically ${percent(e.routing.coverage)} at precision ${percent(e.routing.autoPrecision)} (threshold ${policy.threshold.toFixed(3)}${policy.targetPrecision ? `, target ${percent(policy.targetPrecision)}` : ''})   ECE ${percent(e.ece)}`,
  ];
  if (e.openSet) {
    const o = e.openSet;
    lines.push(
      `unknown (${o.unknownRows} tickets): recall ${percent(o.unknownRecall)}, precision ${percent(o.unknownPrecision)}; in scope (${o.inScopeRows}): accuracy ${percent(o.inScopeAccuracy)} (closed-set ${percent(o.closedSetAccuracy)})`,
    );
  }
  return lines.join('\n');
}

/**
 * Figures for people: accuracy, per category (with coverage and precision of
 * the automatic routes when measured), the confusion matrix. `routedLine`:
 * also the overall coverage line (`triage evaluate` prints its own, with the threshold).
 */
export function formatMetrics(
  m: Metrics & Partial<Pick<Evaluation, 'routing' | 'ece'>>,
  options: { routedLine?: boolean } = {},
): string {
  const short = m.labels.map((_, i) => `${i + 1}`);
  const confusion = table(
    ['true \\ predicted', ...short],
    m.confusion.map((r, i) => [`${i + 1} ${m.labels[i]}`, ...r]),
  );
  const routed =
    m.routing && options.routedLine !== false
      ? [
          `routed automatically ${percent(m.routing.coverage)} at precision ${percent(m.routing.autoPrecision)}${m.ece !== undefined ? `   ECE ${percent(m.ece)}` : ''}`,
        ]
      : [];
  const routedPerClass = new Map((m.routing?.perCategory ?? []).map((c) => [c.label, c]));
  const perClass = table(
    ['category', 'precision', 'recall', 'f1', 'support', ...(m.routing ? ['coverage', 'auto-precision'] : [])],
    m.perClass.map((c) => {
      const r = routedPerClass.get(c.label);
      return [
        c.label,
        c.precision.toFixed(3),
        c.recall.toFixed(3),
        c.f1.toFixed(3),
        c.support,
        ...(m.routing
          ? [r ? r.coverage.toFixed(3) : '-', r && r.autoRouted > 0 ? r.autoPrecision.toFixed(3) : '-']
          : []),
      ];
    }),
  );
  return [
    `accuracy ${percent(m.accuracy)}   macro-F1 ${percent(m.macroF1)}   weighted-F1 ${percent(m.weightedF1)}   (${m.examples} tickets)`,
    ...routed,
    '',
    perClass,
    '',
    'confusion matrix (rows: true category, columns: predicted)',
    confusion,
  ].join('\n');
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      'measure a model on labelled data: accuracy, macro-F1, per-category precision/recall, confusion matrix',
    )
    .requiredOption('--model <dir>', 'model directory (from `triage train`)')
    .requiredOption('--data <file>', 'labelled CSV')
    .option('--text-column <name>', 'column with the ticket text')
    .option('--label-column <name>', 'column with the true category')
    .option('--split <file>', 'CSV with row,split columns: evaluate the "test" rows only')
    .option(
      '--predictions <file>',
      'write row,true,pred,probability,route,reason for every evaluated ticket to this CSV',
    )
    .option(
      '--target-precision <p>',
      "route with the threshold for this precision, re-fitted from the model's validation curve (default: the model's own; TARGET_PRECISION)",
      precisionTarget,
    )
    .option(
      '--unknown-label <label>',
      'rows with this label are unknown: sending them to review as unknown counts as right',
    )
    .option(
      '--hold-out-categories <n>',
      'the categories the model was trained without (open-set protocol; default: those recorded in the model)',
      wholeNumber(1, 10_000),
    )
    .option('--seed <s>', 'seed for --hold-out-categories', wholeNumber(0, 2 ** 31 - 1), 1)
    .option('--json', 'print the metrics as JSON')
    .action(async (options: EvaluateOptions) => {
      const model = await loadModelDirectory(options.model);
      const data = await readLabelledCsv(options.data, {
        textColumn: options.textColumn,
        labelColumn: options.labelColumn,
      });
      data.warnings.forEach(warn);
      const rows = options.split
        ? rowsOf(await readSplitCsv(options.split, data), 'test')
        : data.texts.map((_, i) => i);
      const own = model.classifier.data.routing;
      const target = targetPrecisionIfGiven(options.targetPrecision);
      let routing = own;
      if (target !== undefined) {
        if (!own?.curve)
          throw new CliError(
            `model ${model.manifest.version} has no stored precision curve (trained before routing was added): retrain it to use --target-precision`,
          );
        routing = own.targetPrecision === target ? own : retarget(own, target);
      }
      const recorded = model.manifest.openSet;
      const heldOut = new Set(
        options.holdOutCategories
          ? chooseHeldOutCategories(
              rows.map((r) => data.labels[r]!),
              options.holdOutCategories,
              options.seed,
            )
          : (recorded?.heldOutCategories ?? []),
      );
      const unknownLabel = options.unknownLabel ?? recorded?.unknownLabel;
      const openSet = heldOut.size > 0 || unknownLabel !== undefined;
      if (!openSet) {
        const unseen = describeUnseenLabels(
          rows.map((r) => data.labels[r]!),
          model.manifest.labels,
        );
        if (unseen) warn(unseen);
      }
      const bar = progress(!options.json);
      const step = Math.max(1, Math.floor(rows.length / 200));
      const evaluated: EvaluatedPrediction[] = rows.map((r, i) => {
        if (i % step === 0) bar.update(i, rows.length, 'classifying');
        const c = model.classify(data.texts[r]!, { topK: 1, ...(routing && { routing }) });
        return {
          actual: data.labels[r]!,
          category: c.category,
          probability: c.probability,
          route: c.route,
          ...(c.reason && { reason: c.reason }),
        };
      });
      bar.stop();
      const known = new Set(model.manifest.labels);
      const unknownName = unknownLabel ?? '(unknown)';
      const unseen = [...new Set(evaluated.map((e) => e.actual))].filter(
        (l) => !known.has(l) && l !== unknownLabel && !heldOut.has(l),
      );
      if (openSet && unseen.length > 0)
        throw new CliError(
          `the data has categories the model does not know and that are not marked unknown: ${unseen.slice(0, 5).join(', ')}`,
        );
      const evaluation = evaluatePredictions(
        openSet ? evaluated.map((e) => (known.has(e.actual) ? e : { ...e, actual: unknownName })) : evaluated,
        { labels: model.manifest.labels, ...(openSet && { unknownLabel: unknownName }) },
      );
      if (options.predictions) {
        await writeFile(
          options.predictions,
          stringify(
            rows.map((r, i) => {
              const e = evaluated[i]!;
              return [data.rows[r], e.actual, e.category, e.probability.toFixed(4), e.route, e.reason ?? ''];
            }),
            { header: true, columns: ['row', 'true', 'pred', 'probability', 'route', 'reason'] },
          ),
        );
      }
      const policy = routing ?? { targetPrecision: 0, threshold: 0.6 };
      if (options.json) {
        const { routing: routed, openSet: open, ...metrics } = evaluation;
        console.log(
          JSON.stringify(
            {
              model: model.manifest.version,
              profile: model.manifest.profile,
              ...metrics,
              coverage: routed.coverage,
              autoPrecision: routed.autoPrecision,
              targetPrecision: routing?.targetPrecision ?? null,
              threshold: policy.threshold,
              perCategoryRouting: routed.perCategory,
              ...(open && {
                inScopeAccuracy: open.inScopeAccuracy,
                unknownRecall: open.unknownRecall,
                unknownPrecision: open.unknownPrecision,
                openSet: open,
              }),
            },
            null,
            2,
          ),
        );
      } else
        console.log(
          `model ${model.manifest.version} (${model.manifest.profile})\n${formatMetrics(evaluation, { routedLine: false })}\n\n${formatRouting(evaluation, policy as RoutingPolicy)}`,
        );
    });
}
