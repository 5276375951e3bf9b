import { loadOnce } from '../load-once.ts';
import type { HandlerContext } from './context.ts';

const contextModule = loadOnce(() => import('./context.ts'));

/**
 * The handler context (`handlerContext()`: the stores, the model cache and
 * their SDK clients), imported with the first event that needs it. Behind a
 * dynamic import it is a chunk of its own in a Lambda bundle: a cold start
 * parses the handler, its validation and its logger, and the first event loads
 * the rest. (esbuild makes a chunk of every dynamic import it finds, used or
 * not, so `loadAwsClients` has a module of its own: load-clients.ts.)
 */
export async function loadHandlerContext(): Promise<HandlerContext> {
  return (await contextModule()).handlerContext();
}
