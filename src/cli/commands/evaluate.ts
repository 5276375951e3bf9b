import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { describeUnseenLabels, readLabelledCsv, readSplitCsv, rowsOf } from '../../data/labelled-csv.ts';
import { computeMetrics, type Metrics } from '../../model/metrics.ts';
import { loadModelDirectory } from '../../model-store/directory.ts';
import { percent, progress, table, warn } from '../output.ts';

interface EvaluateOptions {
  model: string;
  data: string;
  textColumn?: string;
  labelColumn?: string;
  split?: string;
  predictions?: string;
  json?: boolean;
}

export function formatMetrics(m: Metrics): string {
  const perClass = table(
    ['category', 'precision', 'recall', 'f1', 'support'],
    m.perClass.map((c) => [c.label, c.precision.toFixed(3), c.recall.toFixed(3), c.f1.toFixed(3), c.support]),
  );
  const short = m.labels.map((_, i) => `${i + 1}`);
  const confusion = table(
    ['true \\ predicted', ...short],
    m.confusion.map((r, i) => [`${i + 1} ${m.labels[i]}`, ...r]),
  );
  return [
    `accuracy ${percent(m.accuracy)}   macro-F1 ${percent(m.macroF1)}   weighted-F1 ${percent(m.weightedF1)}   (${m.examples} tickets)`,
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
    .option('--predictions <file>', 'write row,true,pred for every evaluated ticket to this CSV')
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
      const unseen = describeUnseenLabels(
        rows.map((r) => data.labels[r]!),
        model.manifest.labels,
      );
      if (unseen) warn(unseen);
      const bar = progress(!options.json);
      const step = Math.max(1, Math.floor(rows.length / 200));
      const predicted = rows.map((r, i) => {
        if (i % step === 0) bar.update(i, rows.length, 'classifying');
        return model.classify(data.texts[r]!).category;
      });
      bar.stop();
      const actual = rows.map((r) => data.labels[r]!);
      const metrics = computeMetrics(actual, predicted, model.manifest.labels);
      if (options.predictions) {
        await writeFile(
          options.predictions,
          stringify(
            rows.map((r, i) => [data.rows[r], actual[i], predicted[i]]),
            { header: true, columns: ['row', 'true', 'pred'] },
          ),
        );
      }
      if (options.json)
        console.log(
          JSON.stringify({ model: model.manifest.version, profile: model.manifest.profile, ...metrics }, null, 2),
        );
      else console.log(`model ${model.manifest.version} (${model.manifest.profile})\n${formatMetrics(metrics)}`);
    });
}
