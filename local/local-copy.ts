import { EventBridgePublisher } from '../functions/adapters/eventbridge/publisher';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createMemberApi as createRealMemberApi, type MemberApiHandler } from '../functions/api/member-api';
import type { ProgramConfig } from '../functions/config/program';
import type { HandlerName } from '../functions/contract/routes';
import { routesFor } from '../functions/handlers/flow-routes';
import { type BusEventHandler, createHandlers as createRealHandlers, type HandlerDeps } from '../functions/handlers/registry';
import { type LoggerPort, noMetrics, silentLogger } from '../functions/runtime/ports';
import { type DeliveryOptions, LocalBus } from './bus';
import { loadClientConfig } from './client-config';
import { LocalClock, type LocalClockOptions } from './clock';
import { InMemoryDeadLetterQueue } from './dead-letters';
import { parseDuration } from '../functions/domain/duration';
import { createRequestListener } from './http-server';
import { type LocalJobContext, lojalJobs } from './jobs';
import { createLocalMail, type LocalMail } from './mail';
import { parsePutEventsRequest, type PutEventsRequestEntry, type PutEventsResult } from './put-events';
import { type MoveReport, type ScheduledJob, Scheduler } from './schedule';
import {
  assertLoopbackOnly,
  assertPortFree,
  ensureTable,
  isLoopbackHost,
  LocalServiceError,
  localDynamoClients,
  startDynamoDbLocal,
} from './services/dynamodb';
import { startSesLocal, urlHost } from './services/ses';
import { WorkTracker } from './work-tracker';
import { createLocalIntegrations, DEFAULT_LOCAL_WEBHOOK_SECRET } from './webshop-integrations';

/**
 * The whole of Lojal on one laptop (local/README.md): DynamoDB Local with the stack's table, a
 * local SES with a web inbox, and one HTTP server for PutEvents, the member API and the clock.
 * `npm start` (local/main.ts) and the tests both start it through `startLocalCopy`.
 */

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4010;
export const DEFAULT_SES_PORT = 8005;
export const DEFAULT_DYNAMODB_PORT = 8000;

// Defined beside the jobs, so local/jobs.ts need not import this file (no import cycle).
export type { LocalJobContext } from './jobs';

export interface LocalCopyOptions {
  /** The validated client configuration. @default clients/demo.ts */
  readonly config?: ProgramConfig;
  /**
   * Interface the HTTP server and the SES inbox listen on. On a loopback address, start-up is
   * refused if either answers on another address of the machine; any other address exposes
   * the API, the clock and every member to the network (npm start warns loudly). DynamoDB Local
   * listens on 127.0.0.1 whatever this says. @default '127.0.0.1'
   */
  readonly host?: string;
  /** PutEvents, member API and clock. 0 picks a free port. @default 4010 */
  readonly port?: number;
  /** SES v2 endpoint and web inbox. 0 picks a free port. @default 8005 */
  readonly sesPort?: number;
  /** DynamoDB Local. 0 picks a free port. @default 8000 */
  readonly dynamoDbPort?: number;
  /** Keep DynamoDB data in this directory (created if missing). @default in memory */
  readonly persistDir?: string;
  /**
   * Use a DynamoDB Local that is already running (tests share one per run) instead of
   * starting one; it is left running on stop. Excludes `dynamoDbPort` and `persistDir`.
   */
  readonly dynamoDbEndpoint?: string;
  /** @default `lojal-<clientId>` */
  readonly tableName?: string;
  /** Start time and mode of the local clock (and, for tests of a running clock, its source of real time). @default starts now and runs with real time */
  readonly clock?: LocalClockOptions;
  /** @default silent */
  readonly logger?: LoggerPort;
  /** Builds the event handlers. @default createHandlers (functions/handlers/registry.ts) */
  readonly createHandlers?: (deps: HandlerDeps) => Readonly<Record<HandlerName, BusEventHandler>>;
  /** Builds the member API handler. @default createMemberApi (functions/api/member-api.ts) */
  readonly createMemberApi?: (deps: Omit<HandlerDeps, 'deadLetters'>) => MemberApiHandler;
  /** Jobs to register at start-up. @default lojalJobs: the timeline sweeper (local/jobs.ts) */
  readonly schedules?: (context: LocalJobContext) => readonly ScheduledJob[];
  /** Retries of failing handlers. @default 3 attempts, 100 ms and 200 ms apart */
  readonly delivery?: DeliveryOptions;
  /** With a running clock, how often to run jobs that fell due in real time (the deployed schedules tick each minute). @default 5000 */
  readonly tickIntervalMs?: number;
  /** Guard against a move that would run a job too often. @default 100 000 */
  readonly maxRunsPerMove?: number;
  /** Signs unsubscribe and check-in links (32+ characters). @default env LOJAL_LINK_SECRET, else random per start */
  readonly linkSecret?: string;
  /** Signs Shopify and WooCommerce webhooks to `/webhooks/*`. @default env LOJAL_WEBHOOK_SECRET, else DEFAULT_LOCAL_WEBHOOK_SECRET */
  readonly webhookSecret?: string;
}

export interface LocalCopyUrls {
  /** PutEvents endpoint, member API, `/_local/clock`, `/_local/dead-letters`. */
  readonly api: string;
  /** SES v2 endpoint and web inbox (`/store` as JSON). */
  readonly ses: string;
  readonly dynamoDb: string;
}

export interface LocalCopy {
  readonly urls: LocalCopyUrls;
  readonly clock: LocalClock;
  readonly config: ProgramConfig;
  readonly tableName: string;
  /** Absolute path of the DynamoDB data, or undefined when in memory. */
  readonly persistDir: string | undefined;
  readonly deadLetters: InMemoryDeadLetterQueue;
  /** The secret `/webhooks/shopify` and `/webhooks/woocommerce` verify signatures with. */
  readonly webhookSecret: string;
  /** The mail path: the in-process queue (with its dead letters), the link signer, the SES client. */
  readonly mail: LocalMail;
  readonly scheduler: Scheduler;
  /** Registers a scheduled job; see `Scheduler.register`. Returns an unregister function. */
  registerSchedule(job: ScheduledJob): () => void;
  /** Puts events as Lojal itself (Source `lojal`). */
  publish(entries: readonly PutEventsRequestEntry[]): PutEventsResult;
  /** The clock barrier (`{ "advance": "PT0S" }`): resolves when all pending work is done. */
  settle(): Promise<MoveReport>;
  /** Stops the HTTP server, SES and DynamoDB Local; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts the local copy and resolves once every part answers. On failure, whatever had
 * started is stopped again before the error is thrown.
 *
 * @example
 * const local = await startLocalCopy({ port: 0, sesPort: 0, dynamoDbPort: 0 });
 * // ... new EventBridgeClient({ endpoint: local.urls.api, ... })
 * await local.stop();
 */
export async function startLocalCopy(options: LocalCopyOptions = {}): Promise<LocalCopy> {
  const config = options.config ?? (await loadClientConfig('demo'));
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const sesPort = options.sesPort ?? DEFAULT_SES_PORT;
  const dynamoDbPort = options.dynamoDbPort ?? DEFAULT_DYNAMODB_PORT;
  const tableName = options.tableName ?? `lojal-${config.clientId}`;
  const logger = options.logger ?? silentLogger;

  if (options.dynamoDbEndpoint !== undefined && (options.dynamoDbPort !== undefined || options.persistDir !== undefined)) {
    throw new LocalServiceError(
      'Give either dynamoDbEndpoint (an existing DynamoDB Local) or dynamoDbPort/persistDir (start one), not both.',
    );
  }

  // Refuse busy ports before spawning anything, so the error comes at once and alone.
  if (port !== 0) await assertPortFree(port, host, 'the Lojal API (LOJAL_PORT)');
  if (sesPort !== 0) await assertPortFree(sesPort, host, 'the local SES (LOJAL_SES_PORT)');
  if (options.dynamoDbEndpoint === undefined && dynamoDbPort !== 0) {
    await assertPortFree(dynamoDbPort, '127.0.0.1', 'DynamoDB Local (LOJAL_DYNAMODB_PORT)');
  }

  const cleanups: (() => Promise<void> | void)[] = [];
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        logger.warn('A part of the local copy did not stop cleanly', { error: String(error) });
      }
    }
  };

  try {
    let persistDir: string | undefined;
    let dynamoDbEndpoint = options.dynamoDbEndpoint;
    if (dynamoDbEndpoint === undefined) {
      if (options.persistDir !== undefined) {
        // DynamoDB Local runs with its package directory as working directory: pass an absolute path.
        persistDir = path.resolve(options.persistDir);
        mkdirSync(persistDir, { recursive: true });
      }
      const dynamoDb = await startDynamoDbLocal({
        ...(dynamoDbPort !== 0 ? { port: dynamoDbPort } : {}),
        ...(persistDir ? { persistDir } : {}),
      });
      cleanups.push(() => dynamoDb.stop());
      dynamoDbEndpoint = dynamoDb.endpoint;
    }
    const dynamoClients = localDynamoClients(dynamoDbEndpoint);
    cleanups.push(() => {
      dynamoClients.doc.destroy();
      dynamoClients.client.destroy();
    });
    await ensureTable(dynamoClients.client, tableName);

    const ses = await startSesLocal({ host, port: sesPort });
    cleanups.push(() => ses.stop());

    const clock = new LocalClock(options.clock);
    const work = new WorkTracker();
    const deadLetters = new InMemoryDeadLetterQueue();
    // Mail goes through the production sender into the local SES; links point at this API.
    let apiUrl = '';
    const mail = createLocalMail({
      config,
      dynamo: dynamoClients.doc,
      tableName,
      clock,
      logger,
      metrics: noMetrics,
      work,
      sesEndpoint: ses.endpoint,
      linkBaseUrl: () => apiUrl,
      ...(options.linkSecret !== undefined ? { linkSecret: options.linkSecret } : {}),
    });
    cleanups.push(() => mail.stop());
    // Lojal's announcements from handlers (customer.unsubscribed) go on this bus, as Lojal's (`publish` below).
    const events = new EventBridgePublisher((entries) => publish(entries));
    const deps: HandlerDeps = {
      config,
      dynamo: dynamoClients.doc,
      tableName,
      clock,
      logger,
      metrics: noMetrics,
      deadLetters,
      email: mail.ports,
      events,
    };
    const handlers = (options.createHandlers ?? createRealHandlers)(deps);
    const memberApi = (options.createMemberApi ?? createRealMemberApi)(deps);
    const bus = new LocalBus({
      config,
      handlers,
      deadLetters,
      clock,
      work,
      logger,
      // The routes CDK deploys for this client, flows included (functions/handlers/flow-routes.ts).
      routes: routesFor(config),
      ...(options.delivery ? { delivery: options.delivery } : {}),
    });
    const scheduler = new Scheduler({ clock, work, logger, ...(options.maxRunsPerMove ? { maxRunsPerMove: options.maxRunsPerMove } : {}) });
    // Lojal's own puts obey the same request limits as the webshop's (10 entries, 256 KB).
    const publish = (entries: readonly PutEventsRequestEntry[]) => bus.putEvents(parsePutEventsRequest({ Entries: entries }), 'lojal');
    for (const job of (options.schedules ?? lojalJobs)({ deps, publish })) scheduler.register(job);
    scheduler.register(mail.recoveryJob);

    const webhookSecret = options.webhookSecret ?? (process.env.LOJAL_WEBHOOK_SECRET || DEFAULT_LOCAL_WEBHOOK_SECRET);
    const integrations = createLocalIntegrations({
      config,
      dynamo: dynamoClients.doc,
      tableName,
      clock,
      logger,
      bus,
      work,
      deadLetters,
      webhookSecret,
    });
    const server = createServer(
      createRequestListener({
        bus,
        scheduler,
        clock,
        deadLetters,
        memberApi,
        logger,
        putEvents: integrations.putEvents,
        webhooks: integrations.webhooks,
      }),
    );
    const apiPort = await listen(server, port, host);
    cleanups.push(() => {
      server.close();
      server.closeAllConnections();
    });
    // Meant for this laptop alone: refuse to run if either server answers from the network.
    if (isLoopbackHost(host)) {
      await assertLoopbackOnly(apiPort, 'The Lojal API');
      await assertLoopbackOnly(ses.port, 'The local SES');
    }
    apiUrl = `http://${urlHost(host)}:${apiPort}`;
    // What a previous run (with --persist) left unsettled, now that links in mail work.
    await mail.recover();
    let serverClosed: Promise<void> | undefined;
    const closeServer = () =>
      (serverClosed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }));
    cleanups.push(async () => {
      await closeServer();
    });
    cleanups.push(() => {
      server.closeAllConnections();
    });

    if (!clock.frozen) {
      // A running clock reaches due runs in real time too, as the deployed schedules would.
      const ticker = setInterval(() => {
        if (scheduler.busy || scheduler.jobNames.length === 0) return;
        scheduler.runDue().catch((error: unknown) => logger.error('Running due jobs failed', { error: String(error) }));
      }, options.tickIntervalMs ?? 5000);
      ticker.unref();
      cleanups.push(() => clearInterval(ticker));
    }

    let stopping: Promise<void> | undefined;
    return {
      urls: { api: `http://${urlHost(host)}:${apiPort}`, ses: ses.endpoint, dynamoDb: dynamoDbEndpoint },
      clock,
      config,
      tableName,
      persistDir,
      deadLetters,
      webhookSecret,
      mail,
      scheduler,
      registerSchedule: (job) => scheduler.register(job),
      publish,
      settle: () => scheduler.advanceBy(parseDuration('PT0S')),
      stop: () =>
        (stopping ??= (async () => {
          // Stop taking requests, let running deliveries finish (briefly), then stop the services.
          const closed = closeServer();
          if (!(await work.idleWithin(5000))) logger.warn('Stopping with deliveries still running');
          server.closeAllConnections();
          await closed;
          await runCleanups();
        })()),
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new LocalServiceError(`Port ${port} is in use, so the Lojal API cannot start there. Stop what holds it or set LOJAL_PORT.`)
          : error,
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
