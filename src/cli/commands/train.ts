import type { Command } from 'commander';
import { readLabelledCsv, readSplitCsv, rowsOf } from '../../data/labelled-csv.ts';
import { packageModel } from '../../model/artifact.ts';
import { chooseHeldOutCategories } from '../../model/open-set.ts';
import {
  DEFAULT_PROFILE,
  isProfileName,
  OPEN_SET_UNKNOWN_COST,
  OPEN_SET_UNKNOWN_RATE,
  PROFILE_NAMES,
  PROFILES,
} from '../../model/profiles.ts';
import { trainModel } from '../../model/train.ts';
import { withTrainingSolver } from '../../training/solver.ts';
import { precisionTarget, share, targetPrecisionOrDefault, wholeNumber } from '../options.ts';
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
  targetPrecision?: number;
  unknownLabel?: string;
  holdOutCategories?: number;
  seed: number;
  unknownRate?: number;
  unknownCost?: number;
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
    .option(
      '--target-precision <p>',
      'precision the automatic routes aim for: the probability threshold is fitted for it on validation rows (default: TARGET_PRECISION or 0.95)',
      precisionTarget,
    )
    .option(
      '--unknown-label <label>',
      'rows with this label are left out of training: it stands for "fits no category"',
    )
    .option(
      '--hold-out-categories <n>',
      'open-set protocol: leave n random categories out of training (their test rows count as unknown in evaluate)',
      wholeNumber(1, 10_000),
    )
    .option('--seed <s>', 'seed for --hold-out-categories', wholeNumber(0, 2 ** 31 - 1), 1)
    .option(
      '--unknown-cost <c>',
      `in-scope accuracy the unknown rule may cost: the share of validation rows predicted right it may flag (default: ${OPEN_SET_UNKNOWN_COST} with --unknown-label or --hold-out-categories, else the profile's)`,
      share,
    )
    .option(
      '--unknown-rate <r>',
      `instead of --unknown-cost: the share of validation rows the unknown rule flags (e.g. ${OPEN_SET_UNKNOWN_RATE})`,
      share,
    )
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
      const targetPrecision = targetPrecisionOrDefault(options.targetPrecision);
      const seed = options.seed;
      let rows = options.split ? rowsOf(await readSplitCsv(options.split, data), 'train') : data.texts.map((_, i) => i);
      const heldOut = options.holdOutCategories
        ? chooseHeldOutOrFail(
            rows.map((i) => data.labels[i]!),
            options.holdOutCategories,
            seed,
          )
        : [];
      const leftOut = new Set(heldOut);
      if (options.unknownLabel !== undefined) {
        if (!rows.some((i) => data.labels[i] === options.unknownLabel))
          throw new CliError(`no training row has the label "${options.unknownLabel}" (--unknown-label)`);
        leftOut.add(options.unknownLabel);
      }
      rows = rows.filter((i) => !leftOut.has(data.labels[i]!));
      const openSet = leftOut.size > 0;
      if (options.unknownRate !== undefined && options.unknownCost !== undefined)
        throw new CliError('give --unknown-cost or --unknown-rate, not both');
      const unknownRate = options.unknownRate !== undefined ? options.unknownRate : undefined;
      const unknownCost =
        options.unknownCost !== undefined
          ? options.unknownCost
          : openSet && unknownRate === undefined
            ? OPEN_SET_UNKNOWN_COST
            : undefined;
      const bar = progress(!options.json);
      const started = performance.now();
      const profile = PROFILES[options.profile];
      const model = await withTrainingSolver(
        rows.length,
        (solver) =>
          trainModel({
            texts: rows.map((i) => data.texts[i]!),
            labels: rows.map((i) => data.labels[i]!),
            profile,
            targetPrecision,
            ...(unknownRate !== undefined && { unknownRate }),
            ...(unknownCost !== undefined && { unknownCost }),
            onProgress: (p) => bar.update(p.done, p.total, PHASE_LABELS[p.phase]),
            ...(solver && { solver }),
          }),
        { onDone: (use) => use.degraded && warn(`trained on ${use.threads} thread(s): ${use.degraded}`) },
      ).finally(() => bar.stop());
      const packaged = packageModel(model, {
        lineage: { dataset: { sha256: data.sha256, rows: rows.length, source: options.data } },
        ...(openSet && {
          openSet: {
            ...(options.unknownLabel !== undefined && { unknownLabel: options.unknownLabel }),
            ...(heldOut.length > 0 && { heldOutCategories: heldOut, seed }),
          },
        }),
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
        routing: {
          targetPrecision: model.routing.targetPrecision,
          threshold: model.routing.threshold,
          perCategory: model.routing.perCategory,
          unknown: model.routing.unknown,
          validation: model.routing.fitted,
        },
        ...(heldOut.length > 0 && { heldOutCategories: heldOut }),
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
      const r = model.routing;
      console.log(
        `  routing: threshold ${r.threshold.toFixed(3)} for target precision ${percent(r.targetPrecision)}: ${percent(r.fitted.coverage)} of validation rows routed automatically at ${percent(r.fitted.precision)}`,
      );
      if (r.unknown)
        console.log(
          `  unknown rule: ${r.unknown.signal} below ${r.unknown.below.toFixed(3)} (${percent(r.unknown.inScopeRate)} of in-scope validation rows)`,
        );
      if (heldOut.length > 0) console.log(`  held out as unknown: ${heldOut.join(', ')}`);
      console.log(`  written to ${options.out}/`);
    });
}

function chooseHeldOutOrFail(labels: string[], count: number, seed: number): string[] {
  try {
    return chooseHeldOutCategories(labels, count, seed);
  } catch (error) {
    throw new CliError(`--hold-out-categories: ${(error as Error).message}`);
  }
}
