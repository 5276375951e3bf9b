import type { Command } from 'commander';
import { readLabelledCsv, readSplitCsv, rowsOf } from '../../data/labelled-csv.ts';
import { packageModel } from '../../model/artifact.ts';
import { DEFAULT_PROFILE, isProfileName, PROFILE_NAMES, PROFILES } from '../../model/profiles.ts';
import { trainModel } from '../../model/train.ts';
import { checkModelDirectory, saveModelDirectory } from '../../model-store/directory.ts';
import { CliError, percent, progress, warn } from '../output.ts';

interface TrainOptions {
  data: string;
  textColumn?: string;
  labelColumn?: string;
  split?: string;
  profile: string;
  out: string;
  json?: boolean;
}

const PHASE_LABELS = { preprocess: 'preprocessing', validate: 'validating', fit: 'fitting' } as const;

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model from a labelled CSV and write it to a directory')
    .requiredOption('--data <file>', 'CSV with a header row, a text column and a label column')
    .option(
      '--text-column <names>',
      'column(s) with the ticket text, comma-separated to join several (default: subject+body, or text, Document, body, description, ...)',
    )
    .option('--label-column <name>', 'column with the category (default: label, category, Topic_group, ...)')
    .option('--split <file>', 'CSV with row,split columns: train on the "train" rows only')
    .option('--profile <name>', `model profile: ${PROFILE_NAMES.join(', ')}`, DEFAULT_PROFILE)
    .requiredOption('--out <dir>', 'directory to write the model to')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `\nProfiles:\n${PROFILE_NAMES.map((p) => `  ${p.padEnd(18)} ${PROFILES[p].description}`).join('\n')}`,
    )
    .action(async (options: TrainOptions) => {
      if (!isProfileName(options.profile))
        throw new CliError(`unknown profile "${options.profile}" (choose one of: ${PROFILE_NAMES.join(', ')})`);
      checkModelDirectory(options.out);
      const data = await readLabelledCsv(options.data, {
        textColumn: options.textColumn,
        labelColumn: options.labelColumn,
      });
      data.warnings.forEach(warn);
      const rows = options.split
        ? rowsOf(await readSplitCsv(options.split, data), 'train')
        : data.texts.map((_, i) => i);
      const bar = progress(!options.json);
      const started = performance.now();
      const model = await trainModel({
        texts: rows.map((i) => data.texts[i]!),
        labels: rows.map((i) => data.labels[i]!),
        profile: PROFILES[options.profile],
        onProgress: (p) => bar.update(p.done, p.total, PHASE_LABELS[p.phase]),
      }).finally(() => bar.stop());
      const packaged = packageModel(model, {
        lineage: { dataset: { sha256: data.sha256, rows: rows.length, source: options.data } },
      });
      await saveModelDirectory(options.out, packaged);
      const seconds = (performance.now() - started) / 1000;
      const summary = {
        out: options.out,
        version: packaged.manifest.version,
        profile: model.profile.name,
        parameters: model.parameters,
        rows: rows.length,
        labels: model.classifier.labels,
        features: model.classifier.numFeatures,
        validation: model.validation,
        bytes: Object.values(packaged.files).reduce((s, f) => s + f.length, 0),
        seconds,
      };
      if (options.json) {
        console.log(JSON.stringify(summary, null, 2));
        return;
      }
      console.log(
        `trained ${summary.profile} model ${summary.version} on ${summary.rows} rows in ${seconds.toFixed(1)} s`,
      );
      console.log(
        `  ${summary.labels.length} categories, ${summary.features.toLocaleString('en')} features, ${(summary.bytes / 1e6).toFixed(1)} MB on disk`,
      );
      if (model.validation) {
        const tried = model.validation.candidates.map((c) => `${c.value}: ${percent(c.accuracy)}`).join(', ');
        console.log(
          `  validation (${model.validation.rows} held-out rows): ${tried}; chose ${model.validation.chosen}`,
        );
      }
      console.log(`  written to ${options.out}/`);
    });
}
