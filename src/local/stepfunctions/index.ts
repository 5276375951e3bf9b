export { assertJsonPathOnly, placeholdersOf, substitutePlaceholders, loadDefinitionText } from './definition.ts';
export { SfnApiError } from './errors.ts';
export type { ExecutionRecord, ExecutionStoreLimits } from './execution-store.ts';
export { createStepFunctionsServer, handleStepFunctionsRequest } from './http-server.ts';
export {
  StepFunctionsService,
  type RegisterStateMachineOptions,
  type RegisteredStateMachine,
  type StepFunctionsServiceOptions,
} from './service.ts';
export { LAMBDA_INVOKE_RESOURCE } from './task-resources.ts';
