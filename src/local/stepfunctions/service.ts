/**
 * The local Step Functions service: state machines registered from ASL files,
 * executions run by `aws-local-stepfunctions`, Task states routed to
 * in-process Lambda functions, and the API operations (in AWS shapes; the HTTP
 * layer in http-server.ts only serialises them).
 *
 * Execution-name de-duplication follows AWS for Standard workflows:
 * the same name and the same input while the first execution is RUNNING
 * returns that execution; a different input, or any input once it has closed,
 * is `ExecutionAlreadyExists`.
 */
import './promise-with-resolvers.ts';
import { randomUUID } from 'node:crypto';
import type {
  DescribeExecutionOutput,
  DescribeStateMachineOutput,
  ExecutionListItem,
  ExecutionStatus,
  GetExecutionHistoryOutput,
  HistoryEvent,
  ListExecutionsOutput,
  ListStateMachinesOutput,
  StartExecutionOutput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Durability } from '../journal.ts';
import type { FunctionRegistry } from '../lambda/function-registry.ts';
import {
  assertJsonPathOnly,
  forEachState,
  loadDefinitionText,
  type AslState,
  type AslStateMachine,
} from './definition.ts';
import { SfnApiError } from './errors.ts';
import { ExecutionHistoryRecorder } from './history.ts';
import { ExecutionStore, type ExecutionRecord, type ExecutionStoreLimits } from './execution-store.ts';
import {
  DataLimitExceededError,
  exceedsPayloadLimit,
  MAX_PAYLOAD_BYTES,
  planTaskPayload,
  splitTaskInput,
  stateOutput,
  withRawInputFields,
  type TaskPayloadPlan,
} from './payload-limits.ts';
import { collectTaskStates, lambdaInvokeResponse, type TaskStateInfo } from './task-resources.ts';

export interface RegisterStateMachineOptions {
  readonly name: string;
  /** Path of the ASL JSON file (the one CDK deploys). */
  readonly definitionFile?: string;
  /** Or the definition text itself. */
  readonly definition?: string;
  /** Values for `${Key}` placeholders (the same keys as CDK `definitionSubstitutions`). */
  readonly substitutions?: Readonly<Record<string, string>>;
  readonly roleArn?: string;
  /**
   * STANDARD (default) or EXPRESS. EXPRESS here has Express semantics where
   * they matter to correctness: execution names are not de-duplicated (every
   * StartExecution starts an execution, ARN `...:express:<machine>:<name>:<id>`),
   * and executions and their steps run at least once ({@link ExpressAtLeastOnce}).
   * Unlike AWS, DescribeExecution, ListExecutions and GetExecutionHistory work
   * for them (locally there are no CloudWatch Logs to read instead).
   */
  readonly type?: 'STANDARD' | 'EXPRESS';
}

/**
 * Express workflows run at least once: AWS may run an execution, or a step of
 * it, more than once. Locally this happens when these hooks say so (tests).
 */
export interface ExpressAtLeastOnce {
  /** Run this execution twice (a second, concurrent run with the same input). */
  rerunExecution?(executionName: string): boolean;
  /** Invoke this step's function twice (as after a lost response), the second result counting. */
  repeatTask?(stateName: string, executionName: string): boolean;
}

export interface RegisteredStateMachine {
  readonly stateMachineArn: string;
  /** Non-fatal findings, e.g. Tasks without TimeoutSeconds (60 s locally, not AWS's default). */
  readonly warnings: readonly string[];
}

export interface StepFunctionsServiceOptions {
  readonly region: string;
  readonly accountId: string;
  readonly functions: FunctionRegistry;
  /** Persist executions here; in-memory when absent. */
  readonly dataDir?: string;
  readonly limits?: ExecutionStoreLimits;
  /**
   * What to do with executions that were running when the runtime stopped:
   * `restart` them from the start (same name and input) once their state
   * machine is registered again (default), or record them as `ABORTED`.
   */
  readonly interruptedExecutions?: 'restart' | 'abort';
  /**
   * When interrupted executions are restarted: as soon as their state machine
   * is registered (`on-register`, default), or only once
   * `resumeInterruptedExecutions()` is called (`when-asked`: a runtime that
   * still has to put its functions' environment in place says when it is ready).
   */
  readonly resumeInterrupted?: 'on-register' | 'when-asked';
  /** When a started or finished execution counts as recorded (see journal.ts). Default `fsync`. */
  readonly durability?: Durability;
}

interface MachineEntry {
  readonly arn: string;
  readonly name: string;
  readonly definitionText: string;
  readonly machine: StateMachine;
  readonly tasks: readonly TaskStateInfo[];
  /** Each Task's definition and how its payloads are checked (payload-limits.ts). */
  readonly taskStates: ReadonlyMap<string, { readonly state: AslState; readonly plan: TaskPayloadPlan }>;
  readonly roleArn: string;
  readonly creationDate: Date;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** Only Tasks (and Choice/Wait/Succeed/Fail, which add nothing) change the data: see taskHandlers. */
  readonly onlyTasksChangeData: boolean;
}

/** Bytes the keys of a ResultPath may add around a result (`"preprocessed":` ...), generously. */
const RESULT_PATH_ALLOWANCE = 256;

interface RunningExecution {
  readonly record: ExecutionRecord;
  readonly recorder: ExecutionHistoryRecorder;
  readonly abort: () => void;
  readonly done: Promise<void>;
}

const settled = Promise.resolve();

// biome-ignore lint/suspicious/noControlCharactersInRegex: AWS execution names may not contain these control characters.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/u;
const STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
];

const toDate = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));
const encodeToken = (value: number): string => Buffer.from(String(value)).toString('base64url');
function decodeToken(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const n = Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isFinite(n)) throw new SfnApiError('InvalidToken', 'Invalid pagination token');
  return n;
}
function pageSize(maxResults: number | undefined, fallback: number): number {
  if (maxResults === undefined || maxResults === 0) return fallback;
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
    throw new SfnApiError('ValidationException', 'maxResults must be between 0 and 1000');
  }
  return maxResults;
}

export class StepFunctionsService {
  readonly region: string;
  readonly accountId: string;
  private readonly functions: FunctionRegistry;
  private readonly store: ExecutionStore;
  private readonly machines = new Map<string, MachineEntry>();
  private readonly running = new Map<string, RunningExecution>();
  private readonly closedListeners = new Set<(record: ExecutionRecord) => void>();
  private readonly interruptedPolicy: 'restart' | 'abort';
  private resumeReady: boolean;
  private stopping = false;
  /** When an EXPRESS execution or step runs twice (tests). */
  expressAtLeastOnce: ExpressAtLeastOnce = {};

  private constructor(options: StepFunctionsServiceOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.functions = options.functions;
    this.store = new ExecutionStore(options.dataDir, options.limits, options.durability);
    this.interruptedPolicy = options.interruptedExecutions ?? 'restart';
    this.resumeReady = (options.resumeInterrupted ?? 'on-register') === 'on-register';
  }

  /** Creates the service and loads persisted executions. */
  static async create(options: StepFunctionsServiceOptions): Promise<StepFunctionsService> {
    const service = new StepFunctionsService(options);
    await service.store.load();
    return service;
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  executionArn(stateMachineName: string, executionName: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:execution:${stateMachineName}:${executionName}`;
  }

  /**
   * Registers (or replaces) a state machine: reads the ASL, fills placeholders,
   * checks it is JSONPath-only and that every Task is a Lambda task, validates
   * and builds it once. Interrupted executions of it are then restarted.
   */
  async registerStateMachine(options: RegisterStateMachineOptions): Promise<RegisteredStateMachine> {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(options.name))
      throw new SfnApiError('InvalidName', `Invalid Name: '${options.name}'`);
    let text: string;
    if (options.definitionFile !== undefined)
      text = await loadDefinitionText(options.definitionFile, options.substitutions);
    else if (options.definition !== undefined) text = options.definition;
    else throw new Error('registerStateMachine needs definitionFile or definition');
    let definition: AslStateMachine;
    try {
      definition = JSON.parse(text) as AslStateMachine;
    } catch (err) {
      throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: ${(err as Error).message}`);
    }
    let tasks: TaskStateInfo[];
    let machine: StateMachine;
    const taskStates = new Map<string, { state: AslState; plan: TaskPayloadPlan }>();
    try {
      assertJsonPathOnly(definition);
      tasks = collectTaskStates(definition);
      forEachState(definition, (name, state) => {
        if (state.Type === 'Task') taskStates.set(name, { state, plan: planTaskPayload(state) });
      });
      const plans = new Map([...taskStates].map(([name, t]) => [name, t.plan]));
      machine = new StateMachine(withRawInputFields(definition, plans) as unknown as StateMachineDefinition, {
        validationOptions: { checkArn: true, checkPaths: true },
      });
    } catch (err) {
      throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: ${(err as Error).message}`);
    }
    const arn = this.stateMachineArn(options.name);
    const entry: MachineEntry = {
      arn,
      name: options.name,
      definitionText: text,
      machine,
      tasks,
      taskStates,
      roleArn: options.roleArn ?? `arn:aws:iam::${this.accountId}:role/local-${options.name}`,
      creationDate: this.machines.get(arn)?.creationDate ?? new Date(),
      type: options.type ?? 'STANDARD',
      onlyTasksChangeData: onlyTasksChangeData(definition, taskStates),
    };
    this.machines.set(arn, entry);
    const warnings = tasks
      .filter((t) => t.timeoutSeconds === undefined)
      .map((t) => `Task ${t.name} has no TimeoutSeconds: it times out after 60 s locally (AWS default: none)`);
    if (this.resumeReady) this.resumeInterrupted(entry);
    return { stateMachineArn: arn, warnings };
  }

  /**
   * Restarts the executions interrupted by the last stop or crash, for every
   * registered state machine (and, from now on, for machines registered later).
   * With `resumeInterrupted: 'when-asked'`, call it once the functions'
   * environment is in place. Returns how many were restarted or aborted.
   */
  resumeInterruptedExecutions(): number {
    this.resumeReady = true;
    const before = this.store.interrupted().length;
    for (const entry of this.machines.values()) this.resumeInterrupted(entry);
    return before - this.store.interrupted().length;
  }

  /** Resolves once every execution start and end so far is durable; the HTTP layer answers after it. */
  commit(): Promise<void> {
    return this.store.commit();
  }

  /** Subscribes to executions closing (in-process helper, e.g. for benchmarks). Returns an unsubscribe. */
  onExecutionClosed(listener: (record: ExecutionRecord) => void): () => void {
    this.closedListeners.add(listener);
    return () => this.closedListeners.delete(listener);
  }

  /** Resolves when the execution has closed (in-process helper). */
  async waitForExecution(executionArn: string): Promise<DescribeExecutionOutput> {
    await this.running.get(executionArn)?.done;
    return this.describeExecution({ executionArn });
  }

  get runningCount(): number {
    return this.running.size;
  }

  // ---- API operations ----

  startExecution(input: { stateMachineArn?: string; name?: string; input?: string }): StartExecutionOutput {
    if (this.stopping) throw new SfnApiError('ServiceUnavailable', 'The local Step Functions service is stopping', 503);
    // The API's own constraints come before the state machine is looked up, as on AWS.
    if (input.name !== undefined && input.name.length > 80) {
      throw new SfnApiError(
        'ValidationException',
        `1 validation error detected: Value '${input.name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80`,
      );
    }
    const inputText = input.input ?? '{}';
    if (exceedsPayloadLimit(inputText)) {
      throw new SfnApiError(
        'ValidationException',
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have size less than or equal to ${MAX_PAYLOAD_BYTES} bytes in UTF-8 encoding`,
      );
    }
    const entry = this.machine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(inputText);
    } catch {
      throw new SfnApiError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${inputText.slice(0, 100)}'`,
      );
    }
    if (entry.type === 'EXPRESS') {
      const started = this.startExpress(entry, name, inputText, parsed);
      if (this.expressAtLeastOnce.rerunExecution?.(name)) this.startExpress(entry, name, inputText, parsed);
      return started;
    }
    const executionArn = this.executionArn(entry.name, name);
    const existing = this.store.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === inputText) {
        return { executionArn, startDate: new Date(existing.startDate) };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record = this.store.addRunning({
      executionArn,
      stateMachineArn: entry.arn,
      name,
      startDate: Date.now(),
      input: inputText,
    });
    this.run(entry, record, parsed, this.store.commit());
    return { executionArn, startDate: new Date(record.startDate) };
  }

  /**
   * An EXPRESS execution: never de-duplicated by name, and its ARN unique per
   * start (AWS adds an id to Express ARNs), so two starts with one name are two
   * executions with their own invocation identities. Its start is journaled as
   * a STANDARD one is (answered after the commit; after a crash it runs again
   * under the same ARN, so its re-run invocations keep their identities).
   */
  private startExpress(entry: MachineEntry, name: string, inputText: string, parsed: unknown): StartExecutionOutput {
    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:express:${entry.name}:${name}:${randomUUID()}`;
    const record = this.store.addRunning({
      executionArn,
      stateMachineArn: entry.arn,
      name,
      startDate: Date.now(),
      input: inputText,
    });
    this.run(entry, record, parsed, this.store.commit());
    return { executionArn, startDate: new Date(record.startDate) };
  }

  describeExecution(input: { executionArn?: string }): DescribeExecutionOutput {
    const r = this.execution(input.executionArn);
    const hasDetails = r.input !== undefined;
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: r.status,
      startDate: new Date(r.startDate),
      stopDate: toDate(r.stopDate),
      input: r.input,
      inputDetails: { included: hasDetails },
      ...(r.status === 'SUCCEEDED' ? { output: r.output, outputDetails: { included: r.output !== undefined } } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.cause !== undefined ? { cause: r.cause } : {}),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  listExecutions(input: {
    stateMachineArn?: string;
    statusFilter?: ExecutionStatus;
    maxResults?: number;
    nextToken?: string;
  }): ListExecutionsOutput {
    const entry = this.machine(input.stateMachineArn);
    if (input.statusFilter !== undefined && !STATUSES.includes(input.statusFilter)) {
      throw new SfnApiError('ValidationException', `Invalid statusFilter: ${input.statusFilter}`);
    }
    const limit = pageSize(input.maxResults, 100);
    const executions: ExecutionListItem[] = [];
    let lastSeq: number | undefined;
    let more = false;
    for (const r of this.store.newestFirst(entry.arn, decodeToken(input.nextToken))) {
      if (input.statusFilter !== undefined && r.status !== input.statusFilter) continue;
      if (executions.length === limit) {
        more = true;
        break;
      }
      executions.push({
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: new Date(r.startDate),
        stopDate: toDate(r.stopDate),
      });
      lastSeq = r.seq;
    }
    return { executions, ...(more && lastSeq !== undefined ? { nextToken: encodeToken(lastSeq) } : {}) };
  }

  getExecutionHistory(input: {
    executionArn?: string;
    maxResults?: number;
    reverseOrder?: boolean;
    nextToken?: string;
    includeExecutionData?: boolean;
  }): GetExecutionHistoryOutput {
    const r = this.execution(input.executionArn);
    const all = (this.running.get(r.executionArn)?.recorder ?? r.history)?.events();
    if (all === undefined) {
      throw new SfnApiError(
        'ExecutionDoesNotExist',
        `The history of ${r.executionArn} is no longer kept (only the newest ${this.store.maxExecutionsWithDetails} executions keep it)`,
      );
    }
    const ordered = input.reverseOrder ? [...all].reverse() : all;
    const start = decodeToken(input.nextToken) ?? 0;
    const limit = pageSize(input.maxResults, 100);
    const page = ordered.slice(start, start + limit);
    const includeData = input.includeExecutionData ?? true;
    const events = page.map((e) => {
      const event = { ...e, timestamp: new Date(e.timestamp) } as HistoryEvent;
      return includeData ? event : withoutData(event);
    });
    return { events, ...(start + limit < ordered.length ? { nextToken: encodeToken(start + limit) } : {}) };
  }

  listStateMachines(input: { maxResults?: number; nextToken?: string }): ListStateMachinesOutput {
    const all = [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const start = decodeToken(input.nextToken) ?? 0;
    const limit = pageSize(input.maxResults, 100);
    return {
      stateMachines: all.slice(start, start + limit).map((m) => ({
        stateMachineArn: m.arn,
        name: m.name,
        type: m.type,
        creationDate: m.creationDate,
      })),
      ...(start + limit < all.length ? { nextToken: encodeToken(start + limit) } : {}),
    };
  }

  describeStateMachine(input: { stateMachineArn?: string }): DescribeStateMachineOutput {
    const m = this.machine(input.stateMachineArn);
    return {
      stateMachineArn: m.arn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definitionText,
      roleArn: m.roleArn,
      type: m.type,
      creationDate: m.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  stopExecution(input: { executionArn?: string; error?: string; cause?: string }): StopExecutionOutput {
    const r = this.execution(input.executionArn);
    const run = this.running.get(r.executionArn);
    if (run) {
      run.recorder.stopRequest = {
        ...(input.error !== undefined ? { error: input.error } : {}),
        ...(input.cause !== undefined ? { cause: input.cause } : {}),
      };
      run.abort();
    }
    return { stopDate: new Date(r.stopDate ?? Date.now()) };
  }

  /**
   * Stops accepting executions, waits up to `drainTimeoutMs` for running ones,
   * then aborts the rest without recording an end (so, with a data dir, they
   * count as interrupted and are restarted next time), and flushes the log.
   */
  async stop(drainTimeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    const pending = [...this.running.values()];
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainTimeoutMs);
      });
      await Promise.race([Promise.all(pending.map((p) => p.done)), timeout]);
      clearTimeout(timer);
      for (const p of this.running.values()) p.abort();
      await Promise.all(pending.map((p) => p.done));
    }
    await this.store.shutdown();
  }

  // ---- internals ----

  private machine(arn: string | undefined): MachineEntry {
    const entry = arn === undefined ? undefined : this.machines.get(arn);
    if (!entry) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return entry;
  }

  private execution(arn: string | undefined): ExecutionRecord {
    const record = arn === undefined ? undefined : (this.store.get(arn) ?? this.newestExpressNamed(arn));
    if (!record) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  /**
   * Local convenience (AWS has no such lookup): `...:execution:<machine>:<name>` of an EXPRESS
   * state machine names its newest execution of that name, so tools that build execution ARNs
   * from names (`triage runs show`) work on Express executions too.
   */
  private newestExpressNamed(arn: string): ExecutionRecord | undefined {
    const match = /^(arn:aws:states:[^:]+:[^:]+):execution:([^:]+):([^:]+)$/.exec(arn);
    if (!match) return undefined;
    const machine = this.machines.get(`${match[1]}:stateMachine:${match[2]}`);
    if (machine?.type !== 'EXPRESS') return undefined;
    for (const record of this.store.newestFirst(machine.arn, undefined)) if (record.name === match[3]) return record;
    return undefined;
  }

  private resumeInterrupted(entry: MachineEntry): void {
    for (const record of this.store.interrupted()) {
      if (record.stateMachineArn !== entry.arn || this.running.has(record.executionArn)) continue;
      if (this.interruptedPolicy === 'abort' || record.input === undefined) {
        this.store.close(record, {
          status: 'ABORTED',
          stop: Date.now(),
          error: 'LocalRuntime.Interrupted',
          cause: 'The local runtime stopped while this execution was running',
        });
        continue;
      }
      this.store.markRestarted(record);
      this.run(entry, record, JSON.parse(record.input) as unknown, this.store.commit());
    }
  }

  /**
   * Starts the interpreter for a RUNNING record and closes the record when it
   * ends. No Task runs before `recorded` resolves (the start is durable), so an
   * execution never has effects that a crash could leave without a record.
   */
  private run(entry: MachineEntry, record: ExecutionRecord, input: unknown, recorded: Promise<void> = settled): void {
    const recorder = new ExecutionHistoryRecorder(
      this.store.maxEventsPerExecution,
      entry.roleArn,
      this.region,
      record.input,
    );
    const execution = entry.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(
          entry,
          recorder,
          recorded,
          record,
          Buffer.byteLength(record.input ?? '{}'),
        ),
      },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: record.executionArn, Name: record.name, RoleArn: entry.roleArn },
        StateMachine: { Id: entry.arn, Name: entry.name },
      },
    });
    const done = Promise.all([execution.result.catch(() => undefined), recorder.consume(execution.eventLogs)]).then(
      () => this.finish(record, recorder),
      (err: unknown) => {
        recorder.outcome ??= { status: 'FAILED', stopDate: Date.now(), error: 'States.Runtime', cause: String(err) };
        this.finish(record, recorder);
      },
    );
    this.running.set(record.executionArn, { record, recorder, abort: execution.abort, done });
  }

  private finish(record: ExecutionRecord, recorder: ExecutionHistoryRecorder): void {
    this.running.delete(record.executionArn);
    const outcome = recorder.outcome ?? { status: 'ABORTED' as const, stopDate: Date.now() };
    // An abort caused by stop() is not an outcome: the execution stays interrupted on disk.
    const persist = !(this.stopping && outcome.status === 'ABORTED' && recorder.stopRequest === undefined);
    this.store.close(
      record,
      {
        status: outcome.status,
        stop: outcome.stopDate,
        ...(outcome.output !== undefined ? { output: outcome.output } : {}),
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
        ...(outcome.cause !== undefined ? { cause: outcome.cause } : {}),
        history: recorder,
      },
      persist,
    );
    for (const listener of this.closedListeners) listener(record);
  }

  /** One override per Task state: invoke the registered function, record it for the history. */
  private taskHandlers(
    entry: MachineEntry,
    recorder: ExecutionHistoryRecorder,
    recorded: Promise<void>,
    execution: ExecutionRecord,
    inputBytes: number,
  ): Record<string, (input: unknown) => Promise<never>> {
    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    const { executionArn, name: executionName } = execution;
    /** Invocations of each Task state in this run: with the execution, the invocation's identity across a crash. */
    const attempts = new Map<string, number>();
    const nextInvocationKey = (stateName: string): string => {
      const attempt = (attempts.get(stateName) ?? 0) + 1;
      attempts.set(stateName, attempt);
      return `${executionArn}#${stateName}#${attempt}`;
    };
    // An upper bound of the state's size (bytes of its JSON), while only Tasks have changed it since the
    // execution input (each adds at most its result): below the limit, a Task's output need not be built
    // to be checked. Unknown (Infinity) after anything else: a failed or retried Task, a state of another kind.
    let stateBytesBound = entry.onlyTasksChangeData ? inputBytes : Number.POSITIVE_INFINITY;
    for (const task of entry.tasks) {
      const { state, plan } = entry.taskStates.get(task.name)!;
      const tooLarge = (what: string) =>
        new DataLimitExceededError(
          `The state/task '${task.name}' ${what} with a size exceeding the maximum number of bytes service limit.`,
          plan.catchers,
          plan.retriers,
        );
      handlers[task.name] = async (handed: unknown): Promise<never> => {
        await recorded;
        const rawBytesBound = stateBytesBound;
        stateBytesBound = Number.POSITIVE_INFINITY;
        const { input, raw } = splitTaskInput(state, plan, handed);
        // The JSON of the Task's input is what the function receives (parsed again: its own copy) and what the history shows.
        const inputJson = JSON.stringify(input ?? null);
        if (exceedsPayloadLimit(inputJson)) throw tooLarge('has an input, after Parameters,');
        const invocation = recorder.beginTaskInvocation({
          stateName: task.name,
          resource: task.resource,
          input: inputJson,
          scheduledAt: Date.now(),
          ...(task.timeoutSeconds !== undefined ? { timeoutSeconds: task.timeoutSeconds } : {}),
        });
        let result: unknown;
        let output: string;
        if (task.resource.kind === 'lambda-function') {
          // An Express step run twice (test hook) is a second invocation: an identity of its own.
          if (entry.type === 'EXPRESS' && this.expressAtLeastOnce.repeatTask?.(task.name, executionName))
            await this.functions
              .invokeJson(task.resource.functionName, inputJson, { invocationKey: nextInvocationKey(task.name) })
              .catch(() => undefined);
          ({ result, resultJson: output } = await this.functions.invokeJson(task.resource.functionName, inputJson, {
            invocationKey: nextInvocationKey(task.name),
          }));
        } else {
          const params = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
          if (typeof params.FunctionName !== 'string') {
            throw Object.assign(new Error(`lambda:invoke in ${task.name} needs a FunctionName parameter`), {
              name: 'States.Runtime',
            });
          }
          const { result: payload } = await this.functions.invokeJson(
            params.FunctionName,
            JSON.stringify(params.Payload ?? {}),
            { invocationKey: nextInvocationKey(task.name) },
          );
          result = lambdaInvokeResponse(payload, randomUUID());
          output = JSON.stringify(result);
        }
        if (exceedsPayloadLimit(output)) throw tooLarge('returned a result');
        if (raw !== undefined) {
          const bound = rawBytesBound + Buffer.byteLength(output) + RESULT_PATH_ALLOWANCE;
          if (bound <= MAX_PAYLOAD_BYTES) stateBytesBound = bound;
          else {
            const outputJson = JSON.stringify(stateOutput(plan, raw, result) ?? null);
            if (exceedsPayloadLimit(outputJson)) throw tooLarge('has an output');
            if (entry.onlyTasksChangeData) stateBytesBound = Buffer.byteLength(outputJson);
          }
        }
        invocation.output = output;
        invocation.completedAt = Date.now();
        return result as never;
      };
    }
    return handlers;
  }
}

/**
 * True when nothing but Task states, each of the plain form payload-limits.ts checks, can make the
 * data bigger: no Pass, Map or Parallel state anywhere, no Task beyond that form.
 */
function onlyTasksChangeData(
  definition: AslStateMachine,
  taskStates: ReadonlyMap<string, { readonly plan: TaskPayloadPlan }>,
): boolean {
  let only = true;
  forEachState(definition, (name, state) => {
    if (state.Type === 'Task') only &&= taskStates.get(name)?.plan.carriesRawInput === true;
    else if (!['Choice', 'Wait', 'Succeed', 'Fail'].includes(state.Type)) only = false;
  });
  return only;
}

/** `includeExecutionData: false`: the same events without inputs, outputs, errors and causes. */
function withoutData(event: HistoryEvent): HistoryEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const [key, value] of Object.entries(copy)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const details: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const field of ['input', 'output', 'parameters', 'cause']) delete details[field];
    copy[key] = details;
  }
  return copy as unknown as HistoryEvent;
}
