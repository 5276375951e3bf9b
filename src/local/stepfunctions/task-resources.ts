/**
 * Which Task resources the local runtime can run, and how: every Task must
 * resolve to an in-process Lambda function, because the interpreter would
 * otherwise call the real AWS Lambda service for it.
 *
 * - `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`: the
 *   function receives the state input; its result is the task result.
 * - `arn:aws:states:::lambda:invoke`: the state input is the integration's
 *   parameters `{ FunctionName, Payload }`; the function receives `Payload`
 *   and the task result is the Lambda Invoke response (`{ Payload, StatusCode,
 *   ExecutedVersion, SdkHttpMetadata, SdkResponseMetadata }`), as on AWS.
 */
import { forEachState, type AslStateMachine } from './definition.ts';

export type TaskResource =
  | { readonly kind: 'lambda-function'; readonly resource: string; readonly functionName: string }
  | { readonly kind: 'lambda-invoke'; readonly resource: string };

export interface TaskStateInfo {
  readonly name: string;
  readonly resource: TaskResource;
  /** `TimeoutSeconds` of the state, when set (the interpreter's default is 60 s). */
  readonly timeoutSeconds?: number;
}

const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(:[A-Za-z0-9$_-]+)?$/;
export const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';

/** Classifies a Task `Resource`; throws for a resource the local runtime cannot run. */
export function classifyTaskResource(stateName: string, resource: string | undefined): TaskResource {
  if (resource === undefined) throw new Error(`Task state ${stateName} has no Resource`);
  const fn = LAMBDA_FUNCTION_ARN.exec(resource);
  if (fn) return { kind: 'lambda-function', resource, functionName: fn[1] as string };
  if (resource === LAMBDA_INVOKE_RESOURCE) return { kind: 'lambda-invoke', resource };
  throw new Error(
    `Task state ${stateName} uses ${resource}; the local runtime runs only Lambda tasks ` +
      `(arn:aws:lambda:...:function:<name> or ${LAMBDA_INVOKE_RESOURCE} without .sync/.waitForTaskToken)`,
  );
}

/**
 * Every Task state of a definition (nested ones included). State names must be
 * unique across the whole machine, since the interpreter overrides Tasks by name.
 */
export function collectTaskStates(definition: AslStateMachine): TaskStateInfo[] {
  const tasks = new Map<string, TaskStateInfo>();
  const seen = new Set<string>();
  forEachState(definition, (name, state, path) => {
    if (seen.has(name)) throw new Error(`state name ${name} is used twice (${path}); names must be unique`);
    seen.add(name);
    if (state.Type !== 'Task') return;
    tasks.set(name, {
      name,
      resource: classifyTaskResource(name, state.Resource),
      ...(typeof state.TimeoutSeconds === 'number' ? { timeoutSeconds: state.TimeoutSeconds } : {}),
    });
  });
  return [...tasks.values()];
}

/** The response of the `lambda:invoke` integration around a function result. */
export function lambdaInvokeResponse(payload: unknown, requestId: string): Record<string, unknown> {
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: { AllHttpHeaders: {}, HttpHeaders: {}, HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}
