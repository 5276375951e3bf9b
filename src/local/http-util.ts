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

/**
 * Closes a server. Idle keep-alive connections are dropped at once; requests
 * still in progress (e.g. long polls) get `graceMs` before their connections
 * are cut.
 */
export function closeServer(server: Server, graceMs = 500): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

export const endpointUrl = (port: number): string => `http://${LOOPBACK_HOST}:${port}`;
