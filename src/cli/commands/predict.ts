import type { Command } from 'commander';
import { loadModelDirectory } from '../../model-store/directory.ts';
import { wholeNumber } from '../options.ts';
import { CliError, percent, routeText } from '../output.ts';

interface PredictOptions {
  model: string;
  top: number;
  explain: number;
  json?: boolean;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify one ticket with a model directory: top categories and the words that decided it')
    .argument('<text...>', 'the ticket text')
    .requiredOption('--model <dir>', 'model directory (from `triage train`)')
    .option('--top <k>', 'how many categories to show (1-100)', wholeNumber(1, 100), 3)
    .option('--explain <n>', 'how many deciding n-grams to show (0-100)', wholeNumber(0, 100), 5)
    .option('--json', 'print the result as JSON')
    .action(async (words: string[], options: PredictOptions) => {
      const text = words.join(' ');
      if (text.trim() === '') throw new CliError('the ticket text is empty');
      const { top: topK, explain } = options;
      const model = await loadModelDirectory(options.model);
      const result = model.classify(text, { topK, explain });
      if (options.json) {
        console.log(JSON.stringify({ model: model.manifest.version, ...result }, null, 2));
        return;
      }
      const route = routeText(result.route, result.reason);
      console.log(`${result.category}  ${percent(result.probability, 1)}   ${route}`);
      for (const alt of result.top.slice(1)) console.log(`  ${alt.category}  ${percent(alt.probability, 1)}`);
      if (result.explanation.length > 0)
        console.log(`because of: ${result.explanation.map((e) => `"${e.term}"`).join(', ')}`);
      if (result.unknownTerms > 0 && result.explanation.length === 0)
        console.log('(none of the words of this ticket are known to the model)');
      if (result.truncated) console.log(`(the text was cut to ${model.manifest.preprocess.maxChars} characters)`);
    });
}
