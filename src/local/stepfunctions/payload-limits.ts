/**
 * Step Functions' 256 KiB payload quota, checked where AWS checks it
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html,
 * `States.DataLimitExceeded`): the input of a state after `Parameters`, the
 * result of a task (the connector's output) and the output of a state (after
 * `ResultPath`/`OutputPath`), each as UTF-8 JSON. StartExecution refuses a
 * larger execution input (service.ts).
 *
 * `States.DataLimitExceeded` is a terminal error: `States.ALL` does not match
 * it, in `Catch` as in `Retry`; a catcher or retrier that names it does. The
 * interpreter (aws-local-stepfunctions) matches `States.ALL` against every
 * error and reads an error's `isCatchable`/`isRetryable` once per catcher or
 * retrier, in order, before matching its names; so the error thrown here
 * answers, catcher by catcher (retrier by retrier), whether that one names it.
 *
 * Checked for Task states, whose inputs and results pass through the runtime.
 * The output of a Task is computed here from its raw input (the interpreter
 * only hands the task its input after `Parameters`, so `Parameters` gets one
 * more field, {@link RAW_INPUT_FIELD}, holding the raw input, removed again
 * before the function sees it), for `ResultPath` and `OutputPath` of the form
 * `$`, `$.a.b` (or `null` for `ResultPath`) without `ResultSelector` or
 * `InputPath`. Other states, and Tasks outside that form, are not checked
 * (the workflows here are all of that form: a test checks it).
 */
import type { AslState, AslStateMachine } from './definition.ts';

export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** The field added to a Task's `Parameters` to carry its raw input to the runtime. */
export const RAW_INPUT_FIELD = '__localRuntimeRawInput';

/** UTF-8 bytes of a JSON text (only counted when it could exceed the limit: at most 3 bytes per UTF-16 unit). */
export function exceedsPayloadLimit(json: string): boolean {
  return json.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(json) > MAX_PAYLOAD_BYTES;
}

/** The error, answering for each catcher and retrier of the state whether it names it. */
export class DataLimitExceededError extends Error {
  override readonly name = 'States.DataLimitExceeded';
  private catcherRead = 0;
  private retrierRead = 0;

  constructor(
    message: string,
    private readonly catchers: readonly (readonly string[])[],
    private readonly retriers: readonly (readonly string[])[],
  ) {
    super(message);
  }

  /** Read by the interpreter once per catcher, in order. */
  get isCatchable(): boolean {
    return this.catchers[this.catcherRead++]?.includes(this.name) ?? false;
  }

  /** Read by the interpreter once per retrier, in order. */
  get isRetryable(): boolean {
    return this.retriers[this.retrierRead++]?.includes(this.name) ?? false;
  }
}

const SIMPLE_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export interface TaskPayloadPlan {
  /** The Task's input reaches the runtime with the raw input in {@link RAW_INPUT_FIELD}. */
  readonly carriesRawInput: boolean;
  /** `ResultPath` as keys (`[]` = `$`), or `null` (discard the result). */
  readonly resultPath: readonly string[] | null;
  /** `OutputPath` as keys (`[]` = `$`). */
  readonly outputPath: readonly string[];
  readonly catchers: readonly (readonly string[])[];
  readonly retriers: readonly (readonly string[])[];
}

const keysOf = (path: string): string[] => path.split('.').slice(1);

/** How the runtime checks one Task's payloads (`carriesRawInput: false`: input and result only). */
export function planTaskPayload(state: AslState): TaskPayloadPlan {
  const errorsOf = (list: unknown): string[][] =>
    Array.isArray(list) ? list.map((entry) => ((entry as { ErrorEquals?: string[] }).ErrorEquals ?? []).slice()) : [];
  const resultPath = state.ResultPath === undefined ? '$' : state.ResultPath;
  const outputPath = state.OutputPath === undefined ? '$' : state.OutputPath;
  const simple =
    state.InputPath === undefined &&
    state.ResultSelector === undefined &&
    (state.Parameters === undefined || (typeof state.Parameters === 'object' && state.Parameters !== null)) &&
    (resultPath === null || (typeof resultPath === 'string' && SIMPLE_PATH.test(resultPath))) &&
    typeof outputPath === 'string' &&
    SIMPLE_PATH.test(outputPath);
  return {
    carriesRawInput: simple,
    resultPath: simple && typeof resultPath === 'string' ? keysOf(resultPath) : null,
    outputPath: simple && typeof outputPath === 'string' ? keysOf(outputPath) : [],
    catchers: errorsOf(state.Catch),
    retriers: errorsOf(state.Retry),
  };
}

/**
 * The definition the interpreter runs: the same, with {@link RAW_INPUT_FIELD}
 * in the `Parameters` of the Tasks whose output the runtime computes.
 */
export function withRawInputFields(
  definition: AslStateMachine,
  plans: ReadonlyMap<string, TaskPayloadPlan>,
): AslStateMachine {
  const copy = structuredClone(definition) as { States: Record<string, Record<string, unknown>> };
  const visit = (machine: { States: Record<string, Record<string, unknown>> }) => {
    for (const [name, state] of Object.entries(machine.States)) {
      if (state.Type === 'Task' && plans.get(name)?.carriesRawInput) {
        // Without Parameters the Task's input is the raw input itself; with them, carry it along.
        if (state.Parameters !== undefined)
          state.Parameters = { ...(state.Parameters as object), [`${RAW_INPUT_FIELD}.$`]: '$' };
      }
      for (const branch of (state.Branches as (typeof machine)[] | undefined) ?? []) visit(branch);
      for (const nested of [state.Iterator, state.ItemProcessor] as (typeof machine | undefined)[])
        if (nested) visit(nested);
    }
  };
  visit(copy);
  return copy as unknown as AslStateMachine;
}

/** The raw input and the input after Parameters, from what the interpreter handed the Task. */
export function splitTaskInput(
  state: AslState,
  plan: TaskPayloadPlan,
  handed: unknown,
): { input: unknown; raw: unknown | undefined } {
  if (!plan.carriesRawInput) return { input: handed, raw: undefined };
  if (state.Parameters === undefined) return { input: handed, raw: handed };
  const { [RAW_INPUT_FIELD]: raw, ...input } = (handed ?? {}) as Record<string, unknown>;
  return { input, raw };
}

/** The state's output, as the interpreter will build it from the raw input and the result. */
export function stateOutput(plan: TaskPayloadPlan, raw: unknown, result: unknown): unknown {
  let output: unknown = raw;
  if (plan.resultPath !== null) output = setAt(raw, plan.resultPath, result);
  for (const key of plan.outputPath) output = (output as Record<string, unknown> | null)?.[key];
  return output;
}

function setAt(target: unknown, keys: readonly string[], value: unknown): unknown {
  if (keys.length === 0) return value;
  const base = typeof target === 'object' && target !== null && !Array.isArray(target) ? target : {};
  const [key, ...rest] = keys as [string, ...string[]];
  return { ...base, [key]: setAt((base as Record<string, unknown>)[key], rest, value) };
}
