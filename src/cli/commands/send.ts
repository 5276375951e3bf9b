import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { isAwsError } from '../../aws/errors.ts';
import { required, type Config } from '../../config.ts';
import type { ClassifiedMessage } from '../../contracts/messages.ts';
import { legacyRoute } from '../../contracts/routing.ts';
import { executionNameFor, parseTicketMessage } from '../../contracts/ticket-message.ts';
import { DataFileError, readCsvFile, someLines, type CsvTable } from '../../data/csv-file.ts';
import { executionArnOf } from '../../workflows/runs.ts';
import { nonEmpty, seconds, ticketId as ticketIdOption } from '../options.ts';
import { CliError, percent, progress, routeText, warn } from '../output.ts';
import { resolveTarget, targetOptions, type Target, type TargetOptions } from '../target.ts';

interface SendOptions extends TargetOptions {
  file?: string;
  textColumn?: string;
  subject?: string;
  ticketId?: string;
  wait: number;
  json?: boolean;
}

/** The message contract's text fields, in the order it reads them (src/contracts/ticket-message.ts). */
const TEXT_FIELDS = ['body', 'description', 'text'] as const;

/** The contract's limits of the stack the ticket goes to. */
const limitsOf = (config: Config) => ({ maxChars: config.MAX_TICKET_CHARS, rejectChars: config.REJECT_TICKET_CHARS });

/** Why the pipeline would reject this message (the contract's own reason), or undefined. */
function rejectionOf(message: Record<string, unknown>, config: Config): string | undefined {
  try {
    parseTicketMessage(
      JSON.stringify(message),
      { messageId: 'check', receivedAt: new Date().toISOString() },
      limitsOf(config),
    );
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

type Outcome =
  | { status: 'SUCCEEDED'; result: ClassifiedMessage }
  | { status: 'WAITING' }
  | { status: string; error?: string; cause?: string }
  | { status: 'REJECTED'; reason: string; earlier: { status: string; result?: ClassifiedMessage } };

/**
 * How long to wait before each next look at the execution: a few ms at first
 * (the pipeline takes tens of ms locally), growing by half each time up to
 * 250 ms (a run that takes seconds on AWS costs a handful of calls, well
 * within DescribeExecution's quota).
 */
function pollDelays(firstMs = 5, maxMs = 250): () => number {
  let next = firstMs;
  return () => {
    const delay = next;
    next = Math.min(maxMs, next * 1.5);
    return delay;
  };
}

/**
 * Follows the ticket's execution (named after its id) until it ends. An
 * execution started by another message (the id was used before) means this
 * message is rejected as a duplicate or a conflict: said at once, not after
 * the wait.
 */
async function waitForResult(target: Target, ticketId: string, messageId: string, timeoutMs: number): Promise<Outcome> {
  const arn = executionArnOf(required('CLASSIFY_STATE_MACHINE_ARN', target.config), executionNameFor(ticketId));
  const deadline = Date.now() + timeoutMs;
  const delay = pollDelays();
  for (;;) {
    let execution: DescribeExecutionCommandOutput | undefined;
    try {
      execution = await target.clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    } catch (error) {
      if (!isAwsError(error, 'ExecutionDoesNotExist')) throw error;
    }
    if (execution) {
      const result =
        execution.status === 'SUCCEEDED' ? (JSON.parse(execution.output!) as ClassifiedMessage) : undefined;
      const startedBy = (JSON.parse(execution.input ?? '{}') as { messageId?: string }).messageId;
      if (startedBy !== undefined && startedBy !== messageId)
        return {
          status: 'REJECTED',
          reason: `ticket ${ticketId} was sent before (run ${execution.name}): a ticket id is classified once, so this message goes to the rejected queue as a duplicate (same text) or a conflict (another text); leave out --ticket-id to send a new ticket`,
          earlier: { status: execution.status!, ...(result && { result }) },
        };
      if (result) return { status: 'SUCCEEDED', result };
      if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE')
        return {
          status: execution.status!,
          ...(execution.error && { error: execution.error }),
          ...(execution.cause && { cause: execution.cause }),
        };
    }
    if (Date.now() > deadline) return { status: 'WAITING' };
    await new Promise((r) => setTimeout(r, delay()));
  }
}

/** How the rows of a CSV become messages: which columns hold the text, checked against the header. */
function messageColumns(table: CsvTable, textColumn: string | undefined): { text: string[]; subject: boolean } {
  const { header, path } = table;
  if (textColumn !== undefined) {
    const names = textColumn.split(',').map((n) => n.trim());
    const missing = names.filter((n) => !header.includes(n));
    if (missing.length > 0)
      throw new DataFileError(
        `${path} has no column ${missing.map((m) => `"${m}"`).join(', ')} (columns: ${header.join(', ')})`,
      );
    return { text: names, subject: header.includes('subject') };
  }
  const text = TEXT_FIELDS.filter((f) => header.includes(f));
  if (text.length === 0 && !header.includes('subject'))
    throw new DataFileError(
      `${path} has no column with the ticket text (columns: ${header.join(', ')}): name it with --text-column <name> (several are joined: --text-column title,description), or call it body, description or text`,
    );
  return { text: [...text], subject: header.includes('subject') };
}

/** One row as a message: known columns become the contract's fields, anything else rides along. */
function messageOf(header: readonly string[], cells: readonly string[], textColumns: string[], named: boolean) {
  const record: Record<string, string> = {};
  header.forEach((name, i) => {
    if (!Object.hasOwn(record, name)) record[name] = cells[i] ?? '';
  });
  if (named) {
    const body = textColumns
      .map((c) => record[c] ?? '')
      .filter((t) => t.trim() !== '')
      .join('\n');
    for (const c of textColumns) delete record[c];
    for (const f of TEXT_FIELDS) delete record[f];
    const { ticketId, subject, ...rest } = record;
    return { ...rest, ...(ticketId && { ticketId }), ...(subject && { subject }), body };
  }
  const { ticketId, subject, body, description, text, ...rest } = record;
  return {
    ...rest,
    ...(ticketId && { ticketId }),
    ...(subject && { subject }),
    ...(body !== undefined && { body }),
    ...(description !== undefined && { description }),
    ...(text !== undefined && { text }),
  };
}

/** SQS takes at most 10 messages and 256 KiB per batch. */
const BATCH_BYTES = 250 * 1024;

async function sendFile(options: SendOptions & { file: string }): Promise<void> {
  const { file } = options;
  const json = Boolean(options.json);
  const table = await readCsvFile(file);
  table.warnings.forEach(warn);
  const columns = messageColumns(table, options.textColumn);
  const target = resolveTarget(options);
  const messages: { line: () => number; body: string }[] = [];
  const refused: { index: number; reason: string }[] = [];
  table.rows.forEach((cells, index) => {
    const message = messageOf(table.header, cells, columns.text, options.textColumn !== undefined);
    const reason = rejectionOf(message, target.config);
    if (reason) refused.push({ index, reason });
    else messages.push({ line: () => table.lineOf(index), body: JSON.stringify(message) });
  });
  const notSent = refused.map((r) => `line ${table.lineOf(r.index)}: ${r.reason}`);
  if (messages.length === 0)
    throw new DataFileError(
      `none of the ${table.rows.length} rows of ${file} can be sent (the pipeline would reject them): ${notSent.slice(0, 3).join('; ')}${notSent.length > 3 ? `; and ${notSent.length - 3} more` : ''}`,
    );
  const queueUrl = required('INPUT_QUEUE_URL', target.config);
  const bar = progress(!json);
  let sent = 0;
  const failed: string[] = [];
  for (let i = 0; i < messages.length; ) {
    const batch: typeof messages = [];
    let bytes = 0;
    while (i < messages.length && batch.length < 10) {
      const size = Buffer.byteLength(messages[i]!.body);
      if (batch.length > 0 && bytes + size > BATCH_BYTES) break;
      batch.push(messages[i]!);
      bytes += size;
      i += 1;
    }
    const response = await target.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, j) => ({ Id: String(j), MessageBody: m.body })),
      }),
    );
    sent += response.Successful?.length ?? 0;
    for (const f of response.Failed ?? []) failed.push(`line ${batch[Number(f.Id)]!.line()}: ${f.Message ?? f.Code}`);
    bar.update(i, messages.length, 'sending');
  }
  bar.stop();
  const rows = table.rows.length;
  if (json) console.log(JSON.stringify({ file, rows, sent, notSent: [...notSent, ...failed] }, null, 2));
  else {
    console.log(`sent ${sent} of ${rows} tickets from ${file} to the input queue`);
    if (refused.length > 0)
      console.log(
        `  not sent (the pipeline would reject them): ${refused.length} rows (${someLines(
          refused.slice(0, 5).map((r) => table.lineOf(r.index)),
          refused.length,
        )})`,
      );
    for (const line of [...notSent.slice(0, 20), ...failed]) console.log(`  not sent: ${line}`);
    console.log('results arrive on the output queue; watch them with `triage runs`');
  }
  if (refused.length > 0 || failed.length > 0) process.exitCode = 1;
}

export function registerSend(program: Command): void {
  targetOptions(
    program
      .command('send')
      .description(
        'put a ticket on the input queue and print its classification when it arrives (or --file to send many)',
      )
      .argument('[text...]', 'the ticket text')
      .option('--subject <subject>', 'the ticket subject', nonEmpty)
      .option(
        '--ticket-id <id>',
        'the ticket id, 1-256 characters (default: a new one); the same id is never classified twice',
        ticketIdOption,
      )
      .option('--file <csv>', 'send every row of a CSV (columns: ticketId?, subject?, body|description|text, ...)')
      .option(
        '--text-column <names>',
        'with --file: the column(s) with the ticket text, comma-separated to join several (default: body, description or text)',
      )
      .option('--wait <seconds>', 'how long to wait for the result (0-3600; 0: do not wait)', seconds(3600), 30)
      .option('--json', 'print the result as JSON'),
  ).action(async (words: string[], options: SendOptions) => {
    if (options.file) {
      if (words.length > 0 || options.subject || options.ticketId)
        throw new CliError('--file sends the rows of a file: give no ticket text, --subject or --ticket-id with it');
      return sendFile({ ...options, file: options.file });
    }
    if (options.textColumn) throw new CliError('--text-column names a column of --file');
    const text = words.join(' ');
    if (text.trim() === '' && !options.subject) throw new CliError('give the ticket text (or --file tickets.csv)');
    const target = resolveTarget(options);
    const ticketId = options.ticketId ?? `cli-${randomUUID()}`;
    const message = { ticketId, ...(options.subject && { subject: options.subject }), body: text };
    const rejection = rejectionOf(message, target.config);
    if (rejection) throw new CliError(`not sent: the pipeline would reject this ticket: ${rejection}`);
    const sent = await target.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: required('INPUT_QUEUE_URL', target.config),
        MessageBody: JSON.stringify(message),
      }),
    );
    if (options.wait === 0) {
      if (options.json) console.log(JSON.stringify({ ticketId, status: 'SENT' }, null, 2));
      else console.log(`ticket ${ticketId} sent; follow it with \`triage runs show ${executionNameFor(ticketId)}\``);
      return;
    }
    const outcome = await waitForResult(target, ticketId, sent.MessageId!, options.wait * 1000);
    if (options.json) {
      console.log(JSON.stringify({ ticketId, ...outcome }, null, 2));
      if (outcome.status !== 'SUCCEEDED') process.exitCode = 1;
      return;
    }
    if ('result' in outcome && outcome.status === 'SUCCEEDED') {
      const r = outcome.result;
      // A result from before routing was added carries only needsReview.
      const routed = r.route ? { route: r.route, reason: r.reason } : legacyRoute(r.needsReview);
      console.log(`${r.category}  ${percent(r.probability, 1)}   ${routeText(routed.route, routed.reason)}`);
      for (const alt of r.top.slice(1)) console.log(`  ${alt.category}  ${percent(alt.probability, 1)}`);
      console.log(`ticket ${ticketId}, model ${r.modelVersion}, run ${r.executionName}`);
      return;
    }
    process.exitCode = 1;
    if ('reason' in outcome) {
      console.log(`ticket ${ticketId} not classified: ${outcome.reason}`);
      const earlier = outcome.earlier.result;
      if (earlier)
        console.log(`  (the earlier one was classified ${earlier.category} ${percent(earlier.probability, 1)})`);
    } else if (outcome.status === 'WAITING') {
      console.log(
        `ticket ${ticketId} sent; no result after ${options.wait} s (it may be queued or rejected: see \`triage runs\` and the rejected queue)`,
      );
    } else {
      const { error, cause } = outcome as { error?: string; cause?: string };
      console.log(
        `ticket ${ticketId}: classification ${outcome.status.toLowerCase()}: ${error ?? ''} ${cause ?? ''}`.trim(),
      );
    }
  });
}
