import type { AwsClients } from '../aws/clients.ts';
import type { HandlerContext } from './context.ts';

/**
 * {@link handlerContext}, imported on first use. The context holds the SDK
 * clients, the stores and the model code: a dynamic import makes them a chunk
 * of their own in the Lambda bundle, parsed when the first event needs them
 * rather than at every cold start before it (module load is paid before the
 * first event either way; loading it with the event lets the step's own code
 * and validation start at once, and a step that never needs it never loads it).
 */
export async function loadHandlerContext(): Promise<HandlerContext> {
  return (await import('./context.ts')).handlerContext();
}

/** {@link awsClients}, imported on first use (for the same reason). */
export async function loadAwsClients(): Promise<AwsClients> {
  return (await import('../aws/clients.ts')).awsClients();
}
