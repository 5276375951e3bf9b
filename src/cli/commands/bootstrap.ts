import type { Command } from 'commander';
import { readLabelledCsv } from '../../data/labelled-csv.ts';
import { DEFAULT_PROFILE, isProfileName, PROFILE_NAMES } from '../../model/profiles.ts';
import { bootstrapModel } from '../../operations/bootstrap.ts';
import { CliError, percent, progress, warn } from '../output.ts';
import { storesOf } from '../stores.ts';
import { resolveTarget, targetOptions, type TargetOptions } from '../target.ts';

interface BootstrapOptions extends TargetOptions {
  data: string;
  textColumn?: string;
  labelColumn?: string;
  profile: string;
  json?: boolean;
}

export function registerBootstrap(program: Command): void {
  targetOptions(
    program
      .command('bootstrap')
      .description('replace the base dataset with your labelled tickets and put a model trained on them in service')
      .requiredOption('--data <file>', 'labelled CSV (text column(s) + category)')
      .option('--text-column <names>', 'column(s) with the ticket text, comma-separated to join several')
      .option('--label-column <name>', 'column with the category')
      .option('--profile <name>', `model profile (${PROFILE_NAMES.join(', ')})`, DEFAULT_PROFILE)
      .option('--json', 'print the result as JSON'),
  ).action(async (options: BootstrapOptions) => {
    if (!isProfileName(options.profile)) throw new CliError(`unknown profile "${options.profile}"`);
    const data = await readLabelledCsv(options.data, {
      textColumn: options.textColumn,
      labelColumn: options.labelColumn,
    });
    data.warnings.forEach(warn);
    const target = resolveTarget(options);
    const bar = progress(!options.json);
    const { store, registry } = storesOf(target);
    const result = await bootstrapModel(store, registry, {
      texts: data.texts,
      labels: data.labels,
      sha256: data.sha256,
      source: options.data,
      profile: options.profile,
      targetPrecision: target.config.TARGET_PRECISION,
      onProgress: (p) => bar.update(p.done, p.total, p.phase),
    }).finally(() => bar.stop());
    const summary = {
      version: result.model.manifest.version,
      previousVersion: result.previousVersion,
      profile: options.profile,
      rows: data.texts.length,
      categories: result.model.manifest.labels,
      holdoutAccuracy: result.holdoutMetrics.accuracy,
      holdoutMacroF1: result.holdoutMetrics.macroF1,
      targetPrecision: target.config.TARGET_PRECISION,
      holdoutCoverage: result.holdoutMetrics.routing.coverage,
      holdoutAutoPrecision: result.holdoutMetrics.routing.autoPrecision,
      holdoutEce: result.holdoutMetrics.ece,
    };
    if (options.json) console.log(JSON.stringify(summary, null, 2));
    else {
      console.log(
        `model ${summary.version} is in service (${target.where})${summary.previousVersion ? `, replacing ${summary.previousVersion}` : ''}`,
      );
      console.log(
        `  trained on ${result.model.manifest.trainingRows} of ${summary.rows} tickets, ${summary.categories.length} categories`,
      );
      console.log(
        `  holdout accuracy ${percent(summary.holdoutAccuracy)}, macro-F1 ${percent(summary.holdoutMacroF1)}`,
      );
      console.log(
        `  routed automatically ${percent(summary.holdoutCoverage)} of the holdout at precision ${percent(summary.holdoutAutoPrecision)} (target ${percent(summary.targetPrecision)}), ECE ${percent(summary.holdoutEce)}`,
      );
    }
  });
}
