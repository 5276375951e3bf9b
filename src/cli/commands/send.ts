import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import { isAwsError } from '../../aws/errors.ts';
import { required } from '../../config.ts';
import type { ClassifiedMessage } from '../../contracts/messages.ts';
import { executionNameFor } from '../../contracts/ticket-message.ts';
import { CliError, percent, progress } from '../output.ts';
import { resolveTarget, targetOptions, type Target, type TargetOptions } from '../target.ts';

interface SendOptions extends TargetOptions {
  file?: string;
  subject?: string;
  ticketId?: string;
  wait: string;
  json?: boolean;
}

const executionArn = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

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

/** Follows the ticket's execution (named after its id) until it ends. */
async function waitForResult(
  target: Target,
  ticketId: string,
  timeoutMs: number,
): Promise<{ status: string; result?: ClassifiedMessage; error?: string; cause?: string }> {
  const arn = executionArn(required('CLASSIFY_STATE_MACHINE_ARN', target.config), executionNameFor(ticketId));
  const deadline = Date.now() + timeoutMs;
  const delay = pollDelays();
  for (;;) {
    try {
      const execution = await target.clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      if (execution.status === 'SUCCEEDED')
        return { status: 'SUCCEEDED', result: JSON.parse(execution.output!) as ClassifiedMessage };
      if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
        return {
          status: execution.status!,
          ...(execution.error && { error: execution.error }),
          ...(execution.cause && { cause: execution.cause }),
        };
      }
    } catch (error) {
      if (!isAwsError(error, 'ExecutionDoesNotExist')) throw error;
    }
    if (Date.now() > deadline) return { status: 'WAITING' };
    await new Promise((r) => setTimeout(r, delay()));
  }
}

async function sendFile(target: Target, file: string, json: boolean): Promise<void> {
  let records: Record<string, string>[];
  try {
    records = parse(await readFile(file), { columns: true, bom: true, skip_empty_lines: true }) as Record<
      string,
      string
    >[];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT' ? `file not found: ${file}` : `${file} is not a readable CSV file: ${(error as Error).message}`,
    );
  }
  const queueUrl = required('INPUT_QUEUE_URL', target.config);
  const bar = progress(!json);
  let sent = 0;
  const failed: string[] = [];
  for (let i = 0; i < records.length; i += 10) {
    const batch = records.slice(i, i + 10);
    const response = await target.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((record, j) => {
          // Known columns become the message; anything else rides along.
          const { ticketId, subject, body, description, text, ...rest } = record;
          const message = {
            ...rest,
            ...(ticketId && { ticketId }),
            ...(subject && { subject }),
            ...(body !== undefined && { body }),
            ...(description !== undefined && { description }),
            ...(text !== undefined && { text }),
          };
          return { Id: String(j), MessageBody: JSON.stringify(message) };
        }),
      }),
    );
    sent += response.Successful?.length ?? 0;
    for (const f of response.Failed ?? []) failed.push(`row ${i + Number(f.Id) + 1}: ${f.Message ?? f.Code}`);
    bar.update(Math.min(i + 10, records.length), records.length, 'sending');
  }
  bar.stop();
  if (json) console.log(JSON.stringify({ file, rows: records.length, sent, failed }, null, 2));
  else {
    console.log(`sent ${sent} of ${records.length} tickets from ${file} to the input queue`);
    for (const f of failed) console.log(`  not sent: ${f}`);
    console.log('results arrive on the output queue; watch them with `triage runs`');
  }
  if (failed.length > 0) process.exitCode = 1;
}

export function registerSend(program: Command): void {
  targetOptions(
    program
      .command('send')
      .description(
        'put a ticket on the input queue and print its classification when it arrives (or --file to send many)',
      )
      .argument('[text...]', 'the ticket text')
      .option('--subject <subject>', 'the ticket subject')
      .option('--ticket-id <id>', 'the ticket id (default: a new one); the same id is never classified twice')
      .option('--file <csv>', 'send every row of a CSV (columns: ticketId?, subject?, body|description|text, ...)')
      .option('--wait <seconds>', 'how long to wait for the result', '30')
      .option('--json', 'print the result as JSON'),
  ).action(async (words: string[], options: SendOptions) => {
    const target = resolveTarget(options);
    if (options.file) return sendFile(target, options.file, Boolean(options.json));
    const text = words.join(' ');
    if (text.trim() === '') throw new CliError('give the ticket text (or --file tickets.csv)');
    const ticketId = options.ticketId ?? `cli-${randomUUID()}`;
    const message = { ticketId, ...(options.subject && { subject: options.subject }), body: text };
    await target.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: required('INPUT_QUEUE_URL', target.config),
        MessageBody: JSON.stringify(message),
      }),
    );
    const outcome = await waitForResult(target, ticketId, Number(options.wait) * 1000);
    if (options.json) {
      console.log(JSON.stringify({ ticketId, ...outcome }, null, 2));
    } else if (outcome.result) {
      const r = outcome.result;
      console.log(`${r.category}  ${percent(r.probability, 1)}${r.needsReview ? '  (needs review)' : ''}`);
      for (const alt of r.top.slice(1)) console.log(`  ${alt.category}  ${percent(alt.probability, 1)}`);
      console.log(`ticket ${ticketId}, model ${r.modelVersion}, run ${r.executionName}`);
    } else if (outcome.status === 'WAITING') {
      console.log(
        `ticket ${ticketId} sent; no result after ${options.wait} s (it may be queued or rejected: see \`triage runs\` and the rejected queue)`,
      );
      process.exitCode = 1;
    } else {
      console.log(
        `ticket ${ticketId}: classification ${outcome.status.toLowerCase()}: ${outcome.error ?? ''} ${outcome.cause ?? ''}`.trim(),
      );
      process.exitCode = 1;
    }
  });
}
