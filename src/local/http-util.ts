/** Small helpers for the in-process HTTP servers. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** The loopback address every local server listens on. */
export const LOOPBACK_HOST = '127.0.0.1';

/** Listens on 127.0.0.1:`port` (0 = random) and returns the bound port. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, LOOPBACK_HOST, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server, dropping idle keep-alive connections so close() returns promptly. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}

export const endpointUrl = (port: number): string => `http://${LOOPBACK_HOST}:${port}`;
