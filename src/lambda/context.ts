import { awsClients } from '../aws/clients.ts';
import { config } from '../config.ts';
import { ModelRegistry } from '../model-store/registry.ts';
import { S3ModelStore } from '../model-store/s3-model-store.ts';
import { FeedbackStore } from '../storage/feedback.ts';
import { PredictionStore } from '../storage/predictions.ts';
import { ModelCache } from './model-cache.ts';

/**
 * What handlers share in a warm container: clients, stores and the model
 * cache, built on first use from the environment.
 */
export interface HandlerContext {
  readonly modelStore: S3ModelStore;
  readonly models: ModelCache;
  readonly registry: ModelRegistry;
  readonly predictions: PredictionStore;
  readonly feedback: FeedbackStore;
}

let shared: HandlerContext | undefined;

export function handlerContext(): HandlerContext {
  if (!shared) {
    const settings = config();
    const clients = awsClients();
    const modelStore = new S3ModelStore(clients.s3, settings.MODEL_BUCKET);
    shared = {
      modelStore,
      models: new ModelCache(modelStore),
      registry: new ModelRegistry(clients.documents, settings.MODELS_TABLE),
      predictions: new PredictionStore(clients.documents, settings.PREDICTIONS_TABLE),
      feedback: new FeedbackStore(clients.documents, settings.PREDICTIONS_TABLE),
    };
  }
  return shared;
}

/** Forget clients and caches (tests that restart the local servers). */
export function resetHandlerContext(): void {
  shared = undefined;
}
