import { readFileSync } from 'node:fs';
import type { StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { projectPath, WORKFLOWS, type WorkflowName } from '../../src/workflows/catalog.ts';

/**
 * Typed inputs for the ASL interpreter in unit tests: a workflow's definition
 * as deployed, and a state's input as Step Functions passes it (JSON).
 */

/** A state's input, as the interpreter takes it. */
export type StateInput = Parameters<StateMachine['run']>[0];

/** The JSON of `value`: what Step Functions passes between states. */
export const stateInput = (value: object): StateInput => JSON.parse(JSON.stringify(value));

/** The ASL definition CDK deploys for a workflow (placeholders left in). */
export const aslDefinition = (workflow: WorkflowName): StateMachineDefinition =>
  JSON.parse(readFileSync(projectPath(WORKFLOWS[workflow].file), 'utf8'));
