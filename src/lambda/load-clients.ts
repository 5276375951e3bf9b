import type { AwsClients } from '../aws/clients.ts';
import { loadOnce } from '../load-once.ts';

const clientsModule = loadOnce(() => import('../aws/clients.ts'));

/** The SDK clients (`awsClients()`), imported with the first event that needs them (see load-context.ts). */
export async function loadAwsClients(): Promise<AwsClients> {
  return (await clientsModule()).awsClients();
}
