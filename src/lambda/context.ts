import { awsClients } from '../aws/clients.ts';
import { config } from '../config.ts';
import { createStores, type Stores } from '../storage/stores.ts';
import { ModelCache } from './model-cache.ts';

/**
 * What handlers share in a warm container: clients, stores and the model
 * cache, built on first use from the environment.
 */
export interface HandlerContext extends Stores {
  readonly models: ModelCache;
}

let shared: HandlerContext | undefined;

export function handlerContext(): HandlerContext {
  if (!shared) {
    const stores = createStores(awsClients(), config());
    shared = { ...stores, models: new ModelCache(stores.modelStore) };
  }
  return shared;
}

/** Forget clients and caches (tests that restart the local servers). */
export function resetHandlerContext(): void {
  shared = undefined;
}
