import { readFileSync } from 'node:fs';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { projectPath } from '../src/workflows/catalog.ts';
import { readSettings } from './settings.ts';
import { TicketTriageStack, type TicketTriageStackProps } from './ticket-triage-stack.ts';

/** The stack's name (and CloudFormation stack name). */
export const STACK_NAME = 'TicketTriage';

export interface TriageAppOptions {
  /**
   * Context over `cdk.json`'s (which the CDK CLI passes in itself; tests and
   * scripts that build the app without the CLI get it from here).
   *
   * @default - cdk.json's context only
   */
  readonly context?: Record<string, unknown>;

  /** @default - the CDK CLI's output directory, or a temporary directory */
  readonly outdir?: string;

  /**
   * Bundle the Lambda functions. `false` skips bundling (CDK's
   * `aws:cdk:bundling-stacks` context set to none): the template is the same
   * except the assets' hashes (a test proves it), which is what template
   * tests need, fast.
   *
   * @default true
   */
  readonly bundle?: boolean;

  /**
   * Check the app with cdk-nag's AWS Solutions rules during synthesis
   * (synthesis fails on any finding that is not acknowledged with a reason).
   *
   * @default true
   */
  readonly nag?: boolean;

  /** Stack properties over the defaults (tests: optional parts on or off). */
  readonly stack?: Partial<Omit<TicketTriageStackProps, 'settings'>>;
}

/** `cdk.json`'s context: feature flags and the deployment settings' defaults. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(projectPath('cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** Builds the CDK app: one environment-agnostic stack, checked by cdk-nag. */
export function createTriageApp(options: TriageAppOptions = {}): { app: App; stack: TicketTriageStack } {
  const app = new App({
    context: {
      ...cdkJsonContext(),
      ...options.context,
      ...(options.bundle === false && { 'aws:cdk:bundling-stacks': [] }),
    },
    ...(options.outdir && { outdir: options.outdir }),
  });
  const stack = new TicketTriageStack(app, STACK_NAME, {
    description: 'ticket-triage: support tickets in on SQS, classified by a Step Functions workflow, out on SQS',
    settings: readSettings(app.node),
    ...options.stack,
  });
  Tags.of(app).add('project', 'ticket-triage');
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
