import { fileURLToPath } from 'node:url';

/**
 * The workflows and the Lambda behind each `${...FunctionArn}` placeholder of
 * their ASL files. CDK fills the placeholders with the deployed functions'
 * ARNs (definitionSubstitutions); the local runtime fills them with in-process
 * functions of the same names. One table, so the two cannot drift.
 */
export const WORKFLOWS = {
  'classify-ticket': {
    file: 'workflows/classify-ticket.asl.json',
    description: 'One ticket in, its category out on the output queue',
    functions: {
      PinModelVersionFunctionArn: 'pin-model-version',
      PreprocessFunctionArn: 'preprocess-ticket',
      VectorizeFunctionArn: 'vectorize-ticket',
      PredictFunctionArn: 'predict-category',
      PublishResultFunctionArn: 'publish-result',
      RecordFailureFunctionArn: 'record-failure',
    },
  },
  'retrain-model': {
    file: 'workflows/retrain-model.asl.json',
    description: 'Feedback in, a better model in service (or the reason it was rejected)',
    functions: {
      GatherFeedbackFunctionArn: 'gather-feedback',
      RetrainFunctionArn: 'train-candidate',
      EvaluateFunctionArn: 'evaluate-model',
      PromoteFunctionArn: 'promote-model',
      RejectFunctionArn: 'reject-candidate',
      RecordFailureFunctionArn: 'record-retrain-failure',
    },
  },
} as const;

/** Lambdas that are not workflow steps. */
export const OTHER_FUNCTIONS = {
  /** SQS-triggered: input queue -> classify-ticket executions. */
  startClassification: 'start-classification',
  /** HTTP: list predictions, submit feedback, models and runs for the web page. */
  reviewApi: 'review-api',
} as const;

export type WorkflowName = keyof typeof WORKFLOWS;

/** Every Lambda's name: the workflows' steps and the other functions. */
export type FunctionName =
  | { [W in WorkflowName]: (typeof WORKFLOWS)[W]['functions'][keyof (typeof WORKFLOWS)[W]['functions']] }[WorkflowName]
  | (typeof OTHER_FUNCTIONS)[keyof typeof OTHER_FUNCTIONS];

/**
 * Each function's timeout in seconds: CDK deploys it (infra/functions/triage-function.ts)
 * and the local runtime registers it, so a local invocation has the deadline
 * it has on AWS (`context.getRemainingTimeInMillis()`). That deadline is what
 * Powertools idempotency keeps an in-progress record for when its invocation
 * dies (src/lambda/once-per-ticket.ts), so the workflow's retries are sized
 * against it. A workflow step's timeout stays below its state's TimeoutSeconds,
 * so a slow invocation fails as a Lambda timeout, not a state timeout.
 */
export const FUNCTION_TIMEOUT_SECONDS: Readonly<Record<FunctionName, number>> = {
  'pin-model-version': 8,
  'preprocess-ticket': 25,
  'vectorize-ticket': 25,
  'predict-category': 25,
  'publish-result': 25,
  'record-failure': 25,
  'gather-feedback': 5 * 60,
  'train-candidate': 15 * 60,
  'evaluate-model': 10 * 60,
  'promote-model': 30,
  'reject-candidate': 30,
  'record-retrain-failure': 30,
  'start-classification': 30,
  'review-api': 29,
};

/** Absolute path of a file of the project (the ASL files live at the top level). */
export const projectPath = (relative: string): string => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

/** Every `${Name}` placeholder in an ASL text. */
export function placeholdersOf(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))].sort();
}
