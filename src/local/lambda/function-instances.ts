/**
 * The instances of one Lambda function registered by module, as the Lambda
 * service keeps execution environments (runs in the Lambda functions' worker
 * thread):
 *
 * - an instance serves **one invocation at a time**;
 * - an invocation goes to an idle instance (the most recently used: warm ones
 *   stay warm), else to a new one while the function has fewer than
 *   `maxInstances`, else it waits for the first to come free (at its
 *   concurrency limit AWS refuses with `Lambda.TooManyRequestsException`,
 *   which the workflows retry; waiting has the same outcome without the delay);
 * - each instance has **its own copy of the handler's module graph** (every
 *   project module it imports, through instance-modules.hooks.mjs), so
 *   module-level state (a Powertools BatchProcessor, the model cache, SDK
 *   clients, a cached pointer) belongs to one instance, as in a Lambda
 *   environment. Packages under node_modules are shared (their state is
 *   created by the project's modules, so it is per instance too).
 *
 * An instance costs its modules' code and what it caches: ~0.7 MB of heap
 * before its first invocation, plus its SDK clients and, for the model steps,
 * its own copy of the model (as on Lambda). A module graph cannot be unloaded,
 * so instances live until the runtime stops; `maxInstances` bounds them.
 * An instance whose invocation timed out is retired (Lambda resets it).
 * All instances share the thread's event loop: a handler that blocks the CPU
 * blocks the others (on Lambda it would only block its own environment).
 */
import { pathToFileURL } from 'node:url';
import type { FunctionSpec, InstanceStats } from './function-protocol.ts';

/** A handler as the product writes it. */
export type InstanceHandler = (event: unknown, context: unknown) => unknown;

/** The search parameter that gives an instance its own module graph (see instance-modules.hooks.mjs). */
export const INSTANCE_PARAM = 'lambda-instance';

let nextInstanceNumber = 1;

interface Instance {
  readonly number: number;
  readonly handler: Promise<InstanceHandler>;
  /** Retired after a timeout: never used again. */
  retired: boolean;
}

const namedError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

export class FunctionInstances {
  private readonly all = new Set<Instance>();
  private readonly idle: Instance[] = [];
  private readonly waiting: ((instance: Instance | undefined) => void)[] = [];
  private readonly byInvocation = new Map<number, Instance>();
  private closed = false;
  private peak = 0;
  private started = 0;
  private waited = 0;

  constructor(readonly spec: FunctionSpec) {}

  get stats(): InstanceStats {
    return { instances: this.all.size, peak: this.peak, started: this.started, waited: this.waited };
  }

  /** Starts one instance (its init phase) unless the function has one. */
  async warm(): Promise<void> {
    if (this.all.size > 0) return;
    const instance = this.create();
    try {
      await instance.handler;
    } finally {
      this.release(instance);
    }
  }

  /** Runs one invocation on one instance; `call` gets the handler. */
  async invoke<T>(invocationId: number, call: (handler: InstanceHandler) => Promise<T>): Promise<T> {
    const instance = await this.acquire();
    this.byInvocation.set(invocationId, instance);
    try {
      return await call(await instance.handler);
    } finally {
      this.byInvocation.delete(invocationId);
      this.release(instance);
    }
  }

  /** The invocation timed out: its instance is retired (a waiting invocation may start a new one). */
  abandon(invocationId: number): void {
    const instance = this.byInvocation.get(invocationId);
    if (!instance || instance.retired) return;
    instance.retired = true;
    this.all.delete(instance);
    this.waiting.shift()?.(undefined);
  }

  /** Stops handing out instances: every waiting invocation gives up (the function was replaced). */
  close(): void {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake(undefined);
  }

  private async acquire(): Promise<Instance> {
    let counted = false;
    for (;;) {
      if (this.closed) throw namedError('Lambda.ServiceException', 'the function was replaced or stopped');
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.all.size < this.spec.maxInstances) return this.create();
      if (!counted) this.waited++;
      counted = true;
      const handed = await new Promise<Instance | undefined>((resolve) => this.waiting.push(resolve));
      if (handed) return handed;
    }
  }

  private create(): Instance {
    const number = nextInstanceNumber++;
    const url = new URL(this.spec.module.startsWith('file:') ? this.spec.module : pathToFileURL(this.spec.module).href);
    url.searchParams.set(INSTANCE_PARAM, String(number));
    const handler = (async () => {
      let exports: Record<string, unknown>;
      try {
        exports = (await import(url.href)) as Record<string, unknown>;
      } catch (err) {
        throw namedError('Runtime.ImportModuleError', `cannot load ${this.spec.module}: ${(err as Error).message}`);
      }
      const fn = exports[this.spec.exportName];
      if (typeof fn !== 'function')
        throw namedError(
          'Runtime.HandlerNotFound',
          `${this.spec.module} exports no function "${this.spec.exportName}"`,
        );
      return fn as InstanceHandler;
    })();
    const instance: Instance = { number, handler, retired: false };
    this.all.add(instance);
    this.started++;
    this.peak = Math.max(this.peak, this.all.size);
    // An instance whose init failed is dropped once its invocation has the error (Lambda re-inits next time).
    handler.catch(() => {
      instance.retired = true;
      this.all.delete(instance);
    });
    return instance;
  }

  private release(instance: Instance): void {
    if (instance.retired) {
      this.waiting.shift()?.(undefined);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(instance);
    else this.idle.push(instance);
  }
}
