/**
 * The parsers of the CLI's option and argument values, shared by every
 * command: numbers, ports, seconds, ticket ids, run names, workflow types. Each is a
 * commander `argParser` (`.option('--limit <n>', 'how many', count('--limit', 1, 1000), 20)`), so a
 * bad value is refused before the command runs, with commander's
 * `option '--limit <n>' argument 'abc' is invalid.` and what it must be, and
 * exit code 2 (bad input). Checked on the text as typed: `1e3`, `0x10`,
 * `2.0` and ` 7 ` are not whole numbers.
 */
import { InvalidArgumentError } from 'commander';
import { setting, settingIfSet } from '../config.ts';
import { ticketMessageSchema } from '../contracts/ticket-message.ts';
import { RUN_NAME, RUN_NAME_RULE } from '../workflows/runs.ts';
import { CliError } from './output.ts';

const WHOLE = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/** A whole number from `min` to `max`, written in plain digits. */
function parseWholeNumber(value: string, min: number, max: number): number {
  const n = Number(value);
  if (!WHOLE.test(value) || n < min || n > max)
    throw new InvalidArgumentError(`It must be a whole number from ${min} to ${max}.`);
  return n;
}

/** `--limit <n>`, `--concurrency <n>`, ...: a whole number from `min` to `max`. */
export const wholeNumber =
  (min: number, max: number) =>
  (value: string): number =>
    parseWholeNumber(value, min, max);

/** A TCP port on 127.0.0.1 (0: any free port). */
export const port = wholeNumber(0, 65535);

/** A number of seconds from 0 to `max` (decimals allowed: `0.5`). */
export const seconds =
  (max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!DECIMAL.test(value) || n > max)
      throw new InvalidArgumentError(`It must be a number of seconds from 0 to ${max}.`);
    return n;
  };

/** A share from 0 to 1 (`0.95`, `.5` is not: write `0.5`). */
export function share(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || n > 1) throw new InvalidArgumentError('It must be a number from 0 to 1.');
  return n;
}

/** A precision target: a share above 0. */
export function precisionTarget(value: string): number {
  const n = share(value);
  if (n === 0) throw new InvalidArgumentError('It must be a number above 0 and at most 1.');
  return n;
}

/**
 * `--target-precision` when given, else the `TARGET_PRECISION` setting when
 * it is set (read by the settings loader, `src/config.ts`, which names it when
 * its value is bad), else undefined.
 */
export function targetPrecisionIfGiven(given: number | undefined): number | undefined {
  return given ?? settingIfSet('TARGET_PRECISION');
}

/** `--target-precision` when given, else the `TARGET_PRECISION` setting, or its default (0.95). */
export function targetPrecisionOrDefault(given: number | undefined): number {
  return given ?? setting('TARGET_PRECISION');
}

/** The types of the classify-ticket state machine (CDK's `-c classifyWorkflowType`). */
export const WORKFLOW_TYPES = ['STANDARD', 'EXPRESS'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

/** `--workflow-type`: STANDARD or EXPRESS, in any case (as CDK's context value). */
export function workflowType(value: string): WorkflowType {
  const upper = value.toUpperCase();
  if (!(WORKFLOW_TYPES as readonly string[]).includes(upper))
    throw new InvalidArgumentError(`It must be ${WORKFLOW_TYPES.join(' or ')}.`);
  return upper as WorkflowType;
}

/**
 * `--workflow-type` when given, else the `CLASSIFY_WORKFLOW_TYPE` setting,
 * else STANDARD: the same check for both, naming where a bad value came from.
 */
export function workflowTypeOrDefault(given: WorkflowType | undefined): WorkflowType {
  if (given !== undefined) return given;
  const value = process.env.CLASSIFY_WORKFLOW_TYPE;
  if (value === undefined || value === '') return 'STANDARD';
  try {
    return workflowType(value);
  } catch (error) {
    throw new CliError(`CLASSIFY_WORKFLOW_TYPE "${value}" is not a workflow type: ${(error as Error).message}`);
  }
}

/** A ticket id as the message contract takes it (src/contracts/ticket-message.ts): checked before anything is sent. */
export function ticketId(value: string): string {
  const parsed = ticketMessageSchema.shape.ticketId.safeParse(value);
  if (!parsed.success || parsed.data === undefined) {
    const issue = parsed.success ? 'must not be empty' : parsed.error.issues.map((i) => i.message).join('; ');
    throw new InvalidArgumentError(`A ticket id ${issue} (this one has ${value.length} characters).`);
  }
  return parsed.data;
}

/** A run (execution) name. */
export function runName(value: string): string {
  if (!RUN_NAME.test(value))
    throw new InvalidArgumentError(`${RUN_NAME_RULE[0]!.toUpperCase()}${RUN_NAME_RULE.slice(1)}.`);
  return value;
}

/** Free text that must say something (a name, a category). */
export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('It must not be empty.');
  return value.trim();
}
