import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { createTriageApp, type TriageAppOptions } from '../../infra/triage-app.ts';
import type { TicketTriageStack } from '../../infra/ticket-triage-stack.ts';

export interface Synthesized {
  readonly stack: TicketTriageStack;
  readonly template: Template;
  readonly json: CfnTemplate;
  readonly assemblyDir: string;
}

export interface CfnTemplate {
  // biome-ignore lint/suspicious/noExplicitAny: a synthesized template is JSON the tests read property by property.
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, any> }>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export interface SynthOptions extends TriageAppOptions {
  /**
   * Run aws-cdk-lib's built-in CloudFormation validation (schema checks in a
   * WASM engine; ~5 s to start). The nag test runs it; template tests skip it.
   *
   * @default false
   */
  readonly cfnValidation?: boolean;
}

/**
 * Synthesizes the app as `infra/app.ts` does (cdk.json's context), by default
 * without bundling and without cdk-nag (fast: template assertions), with every
 * optional part on (the retrain workflow from its file, or the test fixture
 * while the file does not exist).
 */
export function synth(options: SynthOptions = {}): Synthesized {
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = options.cfnValidation ? 'true' : 'false';
  try {
    const { app, stack } = createTriageApp({
      bundle: false,
      nag: false,
      outdir: mkdtempSync(join(tmpdir(), 'triage-cdk-')),
      ...options,
    });
    const assembly = app.synth();
    const json = assembly.getStackByName(stack.stackName).template as CfnTemplate;
    return { stack, template: Template.fromJSON(json as never), json, assemblyDir: assembly.directory };
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(element.logicalId) as string;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  // biome-ignore lint/suspicious/noExplicitAny: IAM condition JSON.
  Condition?: Record<string, any>;
}

/** Every statement of every IAM policy attached to a role (by the role's logical id). */
export function statementsOfRole(json: CfnTemplate, roleLogicalId: string): Statement[] {
  const statements: Statement[] = [];
  for (const resource of Object.values(json.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles ?? []) as { Ref?: string }[];
    if (!roles.some((role) => role.Ref === roleLogicalId)) continue;
    statements.push(...(resource.Properties!.PolicyDocument.Statement as Statement[]));
  }
  const role = json.Resources[roleLogicalId];
  if (role?.Properties?.ManagedPolicyArns?.length) throw new Error(`role ${roleLogicalId} has managed policies`);
  for (const policy of role?.Properties?.Policies ?? [])
    statements.push(...(policy.PolicyDocument.Statement as Statement[]));
  return statements;
}

export const actionsOf = (statements: readonly Statement[]): string[] =>
  [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();

export const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** The statements that allow `action`. */
export const allowing = (statements: readonly Statement[], action: string): Statement[] =>
  statements.filter((s) => s.Effect === 'Allow' && (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action));
