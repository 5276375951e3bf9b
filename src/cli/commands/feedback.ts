import type { Command } from 'commander';
import { DataFileError, readCsvFile } from '../../data/csv-file.ts';
import { knownCategories } from '../../operations/feedback.ts';
import { FeedbackError, type FeedbackInput } from '../../feedback/rules.ts';
import type { FeedbackStore } from '../../storage/feedback.ts';
import { nonEmpty, ticketId as ticketIdArgument, wholeNumber } from '../options.ts';
import { CliError, progress, table, warn } from '../output.ts';
import { storesOf } from '../stores.ts';
import { resolveTarget, targetOptions, type TargetOptions } from '../target.ts';

interface FeedbackOptions extends TargetOptions {
  correct?: boolean;
  category?: string;
  by?: string;
  allowNewCategory?: boolean;
  json?: boolean;
}

interface ImportOptions extends TargetOptions {
  by?: string;
  allowNewCategory?: boolean;
  concurrency: number;
  json?: boolean;
}

const TICKET_COLUMNS = ['ticketId', 'ticket_id', 'ticketid', 'ticket', 'id'];
const CATEGORY_COLUMNS = ['category', 'label', 'correct_category', 'Category'];
const VERDICT_COLUMNS = ['verdict', 'Verdict'];
const BY_COLUMNS = ['by', 'reviewer'];
const CONFIRM_WORDS = new Set(['confirmed', 'confirm', 'correct', 'right', 'yes', 'ok']);
const CORRECT_WORDS = new Set(['corrected', 'correction', 'wrong', 'no']);

/**
 * What a person's answer amounts to: `--correct` confirms the prediction; a
 * category confirms it when it is the predicted one, and corrects it otherwise.
 */
async function inputFor(
  feedback: FeedbackStore,
  ticketId: string,
  answer: { confirm?: boolean; category?: string; verdict?: string; by?: string; allowNewCategory?: boolean },
): Promise<FeedbackInput> {
  const extra = { ...(answer.by && { by: answer.by }), ...(answer.allowNewCategory && { allowNewCategory: true }) };
  const verdict = answer.verdict?.trim().toLowerCase();
  if (verdict && !CONFIRM_WORDS.has(verdict) && !CORRECT_WORDS.has(verdict))
    throw new FeedbackError(`verdict "${answer.verdict}" is neither "confirmed" nor "corrected"`, 'InvalidFeedback');
  if (answer.confirm || (verdict && CONFIRM_WORDS.has(verdict)))
    return { verdict: 'confirmed', ...(answer.category && { category: answer.category }), ...extra };
  if (!answer.category) throw new FeedbackError('a correction needs the right category', 'InvalidFeedback');
  const ticket = await feedback.get(ticketId);
  const predicted = ticket?.status === 'classified' ? ticket.category : undefined;
  return {
    verdict: answer.category === predicted && verdict === undefined ? 'confirmed' : 'corrected',
    category: answer.category,
    ...extra,
  };
}

function column(header: readonly string[], names: string[]): number {
  return header.findIndex((h) => names.includes(h.trim()));
}

interface RowOutcome {
  readonly line: number;
  readonly ticketId: string;
  readonly accepted: boolean;
  readonly verdict?: string;
  readonly category?: string;
  readonly newCategory?: boolean;
  readonly replaced?: boolean;
  readonly reason?: string;
}

export function registerFeedback(program: Command): void {
  const feedback = targetOptions(
    program
      .command('feedback')
      .enablePositionalOptions()
      .description(
        'say whether a prediction was right: `feedback T-1 --correct`, `feedback T-1 --category Access`; or `feedback import corrections.csv`',
      )
      .argument('[ticketId]', 'the ticket', ticketIdArgument)
      .option('--correct', 'the predicted category is right')
      .option('--category <name>', 'the right category (the predicted one confirms it, another corrects it)', nonEmpty)
      .option('--by <name>', 'who is giving the feedback', nonEmpty)
      .option(
        '--allow-new-category',
        'accept a category the model does not know yet (it is learnt at the next retraining)',
      )
      .option('--json', 'print the result as JSON'),
  ).action(async (ticketId: string | undefined, options: FeedbackOptions) => {
    if (!ticketId)
      throw new CliError(
        'name the ticket: `triage feedback <ticketId> --correct` or `--category <name>` (or `triage feedback import <file.csv>`)',
      );
    if (options.correct && options.category) throw new CliError('give either --correct or --category, not both');
    if (!options.correct && !options.category)
      throw new CliError('say what is right: --correct (the prediction is right) or --category <name>');
    const target = resolveTarget(options);
    const { feedback: store, registry, store: models } = storesOf(target);
    const input = await inputFor(store, ticketId, {
      confirm: options.correct,
      category: options.category,
      by: options.by,
      allowNewCategory: options.allowNewCategory,
    });
    const known = await knownCategories({ registry, manifest: (v) => models.manifest(v) });
    const result = await store.submit(ticketId, input, known);
    if (options.json) {
      console.log(JSON.stringify({ ticketId, feedback: result.feedback, replaced: result.replaced ?? null }, null, 2));
      return;
    }
    const f = result.feedback;
    const what =
      f.verdict === 'confirmed'
        ? `confirmed "${f.category}"`
        : `corrected ${f.predictedCategory ? `"${f.predictedCategory}" -> ` : ''}"${f.category}"${f.newCategory ? ' (a new category: learnt at the next retraining)' : ''}`;
    console.log(`${ticketId}: ${what}${f.by ? ` by ${f.by}` : ''}`);
    if (result.replaced)
      console.log(
        `  (replaces the feedback of ${result.replaced.at}: ${result.replaced.verdict} "${result.replaced.category}")`,
      );
  });

  targetOptions(
    feedback
      .command('import')
      .description(
        'feedback for many tickets from a CSV: a ticketId column and a category and/or verdict column (optional: by)',
      )
      .argument('<file>', 'CSV with a header row')
      .option('--by <name>', 'who gave the feedback (when the file has no "by" column)', nonEmpty)
      .option('--allow-new-category', 'accept categories the model does not know yet')
      .option('--concurrency <n>', 'tickets written at once (1-64)', wholeNumber(1, 64), 8)
      .option('--json', 'print the summary as JSON'),
  ).action(async (file: string, options: ImportOptions) => {
    const { concurrency } = options;
    const { header, rows, lineOf, warnings } = await readCsvFile(file, { relaxColumnCount: true });
    warnings.forEach(warn);
    const ticketAt = column(header, TICKET_COLUMNS);
    const categoryAt = column(header, CATEGORY_COLUMNS);
    const verdictAt = column(header, VERDICT_COLUMNS);
    const byAt = column(header, BY_COLUMNS);
    if (ticketAt < 0)
      throw new DataFileError(
        `${file} has no ticket id column (one of: ${TICKET_COLUMNS.join(', ')}; columns: ${header.join(', ')})`,
      );
    if (categoryAt < 0 && verdictAt < 0)
      throw new DataFileError(
        `${file} needs a category column (${CATEGORY_COLUMNS.join(', ')}) or a verdict column (confirmed/corrected); columns: ${header.join(', ')}`,
      );

    const target = resolveTarget(options);
    const { feedback: store, registry, store: models } = storesOf(target);
    const known = await knownCategories({ registry, manifest: (v) => models.manifest(v) });
    const bar = progress(!options.json);
    const outcomes: RowOutcome[] = new Array(rows.length);
    // Rows of the same ticket are applied in file order (the last one wins, the others go to its history).
    const chains = new Map<string, Promise<void>>();
    let done = 0;
    const processRow = async (index: number): Promise<void> => {
      const row = rows[index]!;
      const line = lineOf(index);
      const ticketId = (row[ticketAt] ?? '').trim();
      const cell = (at: number) => (at >= 0 ? (row[at] ?? '').trim() || undefined : undefined);
      try {
        if (!ticketId) throw new FeedbackError('no ticket id', 'InvalidFeedback');
        const input = await inputFor(store, ticketId, {
          category: cell(categoryAt),
          verdict: cell(verdictAt),
          by: cell(byAt) ?? options.by,
          allowNewCategory: options.allowNewCategory,
        });
        const result = await store.submit(ticketId, input, known);
        outcomes[index] = {
          line,
          ticketId,
          accepted: true,
          verdict: result.feedback.verdict,
          category: result.feedback.category,
          ...(result.feedback.newCategory && { newCategory: true }),
          ...(result.replaced && { replaced: true }),
        };
      } catch (error) {
        if (!(error instanceof FeedbackError)) throw error;
        outcomes[index] = { line, ticketId, accepted: false, reason: error.message };
      } finally {
        done += 1;
        if (done % 25 === 0 || done === rows.length) bar.update(done, rows.length, 'importing feedback');
      }
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, rows.length) }, async () => {
        while (next < rows.length) {
          const index = next++;
          const ticketId = (rows[index]![ticketAt] ?? '').trim();
          const previous = chains.get(ticketId) ?? Promise.resolve();
          const current = previous.then(() => processRow(index));
          chains.set(ticketId, current);
          await current;
        }
      }),
    ).finally(() => bar.stop());

    const accepted = outcomes.filter((o) => o.accepted);
    const rejected = outcomes.filter((o) => !o.accepted);
    const summary = {
      file,
      rows: rows.length,
      accepted: accepted.length,
      confirmed: accepted.filter((o) => o.verdict === 'confirmed').length,
      corrected: accepted.filter((o) => o.verdict === 'corrected').length,
      replacedEarlierFeedback: accepted.filter((o) => o.replaced).length,
      newCategories: [...new Set(accepted.filter((o) => o.newCategory).map((o) => o.category!))],
      rejected: rejected.length,
      rejectedRows: rejected.map((o) => ({ line: o.line, ticketId: o.ticketId, reason: o.reason! })),
    };
    if (rejected.length > 0) process.exitCode = 1;
    if (options.json) {
      console.log(JSON.stringify(summary, null, 2));
      return;
    }
    console.log(
      `${file}: ${summary.accepted} of ${summary.rows} rows accepted (${summary.confirmed} confirmed, ${summary.corrected} corrected${summary.replacedEarlierFeedback ? `, ${summary.replacedEarlierFeedback} replacing earlier feedback` : ''}), ${summary.rejected} rejected`,
    );
    if (summary.newCategories.length > 0)
      console.log(`new categories (learnt at the next retraining): ${summary.newCategories.join(', ')}`);
    if (rejected.length > 0) {
      const shown = rejected.slice(0, 20);
      console.log(
        `\nrejected rows:\n${table(
          ['line', 'ticket', 'reason'],
          shown.map((o) => [String(o.line), o.ticketId || '(none)', o.reason!]),
        )}`,
      );
      if (rejected.length > shown.length)
        console.log(`... and ${rejected.length - shown.length} more (--json lists them all)`);
    }
  });
}
