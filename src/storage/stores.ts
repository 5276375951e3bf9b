import type { AwsClients } from '../aws/clients.ts';
import type { Config } from '../config.ts';
import { ModelRegistry } from '../model-store/registry.ts';
import { S3ModelStore } from '../model-store/s3-model-store.ts';
import { FeedbackStore } from './feedback.ts';
import { PredictionStore } from './predictions.ts';

/** Where the stores live: the settings that name the bucket and the tables. */
export type StoreSettings = Pick<Config, 'MODEL_BUCKET' | 'MODELS_TABLE' | 'PREDICTIONS_TABLE'>;

/** The product's stores of one stack (local or AWS). */
export interface Stores {
  /** Model versions, the base dataset, feedback snapshots and evaluations (S3). */
  readonly modelStore: S3ModelStore;
  /** The model registry and the pointer to the version in service (DynamoDB). */
  readonly registry: ModelRegistry;
  /** One item per ticket: its prediction (DynamoDB). */
  readonly predictions: PredictionStore;
  /** The feedback on those items (the same table). */
  readonly feedback: FeedbackStore;
}

/**
 * The stores over the given clients and settings: the one place they are
 * wired (Lambda handlers, the CLI, the tests and the benchmarks all use it).
 */
export function createStores(clients: Pick<AwsClients, 's3' | 'documents'>, settings: StoreSettings): Stores {
  return {
    modelStore: new S3ModelStore(clients.s3, settings.MODEL_BUCKET),
    registry: new ModelRegistry(clients.documents, settings.MODELS_TABLE),
    predictions: new PredictionStore(clients.documents, settings.PREDICTIONS_TABLE),
    feedback: new FeedbackStore(clients.documents, settings.PREDICTIONS_TABLE),
  };
}
