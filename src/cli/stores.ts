import { createStores } from '../storage/stores.ts';
import { CliError } from './output.ts';
import type { Target } from './target.ts';

/** The stores of the stack a command works on (local or AWS). */
export function storesOf(target: Target) {
  const stores = createStores(target.clients, target.config);
  // `store` is the model store, as the operations and retraining functions name it.
  return { ...stores, store: stores.modelStore, sfn: target.clients.sfn };
}

export function retrainStateMachine(target: Target): string {
  const arn = target.config.RETRAIN_STATE_MACHINE_ARN;
  if (!arn)
    throw new CliError(
      target.where === 'local'
        ? 'the local stack has no retrain-model workflow (workflows/retrain-model.asl.json missing?)'
        : 'RETRAIN_STATE_MACHINE_ARN is not set',
      'NotConfigured',
    );
  return arn;
}
