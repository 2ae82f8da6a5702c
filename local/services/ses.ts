import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { assertPortFree, freePort, LocalServiceError } from './dynamodb';

/**
 * aws-ses-v2-local, a local SES v2 API with a web inbox (`GET /`) and the sent mail as JSON
 * (`GET /store`). It runs inside this process, so stopping the local copy, or the process
 * ending, stops it too. Its mail store is module-global: one inbox per process.
 */

type StartSesServer = (config?: { host?: string; port?: number }) => Promise<Server>;

// A CommonJS package whose default export is `exports.default`; require it so the function is
// found the same way under tsx, vitest and plain Node.
const require = createRequire(import.meta.url);
const startSesServer = (require('aws-ses-v2-local') as { default: StartSesServer }).default;

export interface RunningSes {
  /** Base URL: the SES v2 endpoint, the web inbox, and `/store`. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts the local SES on `host:port` (port 0 or omitted: a free one). */
export async function startSesLocal(options: { host?: string; port?: number } = {}): Promise<RunningSes> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port || (await freePort());
  await assertPortFree(port, host, 'the local SES (aws-ses-v2-local)');
  const server = await startSesServer({ host, port });
  // Its listen() resolves even when binding failed, so check.
  if (!server.listening) {
    server.close();
    throw new LocalServiceError(
      `The local SES could not listen on ${host}:${port}. Stop what holds the port or choose another (LOJAL_SES_PORT).`,
    );
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${urlHost(host)}:${port}`,
    port,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/** IPv6 literals need brackets in URLs. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
