import { ModelRegistry } from '../model-store/registry.ts';
import { S3ModelStore } from '../model-store/s3-model-store.ts';
import { FeedbackStore } from '../storage/feedback.ts';
import { PredictionStore } from '../storage/predictions.ts';
import { CliError } from './output.ts';
import type { Target } from './target.ts';

/** The stores of the stack a command works on (local or AWS). */
export function storesOf(target: Target) {
  const { config, clients } = target;
  return {
    registry: new ModelRegistry(clients.documents, config.MODELS_TABLE),
    store: new S3ModelStore(clients.s3, config.MODEL_BUCKET),
    feedback: new FeedbackStore(clients.documents, config.PREDICTIONS_TABLE),
    predictions: new PredictionStore(clients.documents, config.PREDICTIONS_TABLE),
    sfn: clients.sfn,
  };
}

export function retrainStateMachine(target: Target): string {
  const arn = target.config.RETRAIN_STATE_MACHINE_ARN;
  if (!arn)
    throw new CliError(
      target.where === 'local'
        ? 'the local stack has no retrain-model workflow (workflows/retrain-model.asl.json missing?)'
        : 'RETRAIN_STATE_MACHINE_ARN is not set',
    );
  return arn;
}
