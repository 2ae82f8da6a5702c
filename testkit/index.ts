import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { ProgramConfig } from '../functions/config/program';
import { loadClientConfig } from '../local/client-config';
import { type LocalCopy, type LocalCopyOptions, startLocalCopy } from '../local/local-copy';

/**
 * Lojal's test kit for a client's flows and mail (docs/flows.md, "Testing a flow"): a whole
 * local copy started with the client file, driven only through its public doors (PutEvents, the
 * local clock, the member API, the local SES inbox), so a test reads like what the shop and
 * the member see. Needs Java 17+ for DynamoDB Local, like `npm start`.
 *
 * @example
 * const lojal = await startLojal({ client: 'demo', start: '2027-03-01T08:00:00Z' });
 * await lojal.send('customer.registered', { customerId: 'c1', email: 'ada@example.com', registeredAt: lojal.now(), marketingConsent: true });
 * await lojal.advance('P15D');
 * expect(await lojal.inbox('ada@example.com')).toContainEqual(expect.objectContaining({ subject: 'What did you think of your purchase?' }));
 * await lojal.stop();
 */

export interface LojalTestOptions {
  /** The client file's name under `clients/` (`demo` for clients/demo.ts), or its configuration. @default 'demo' */
  readonly client?: string | ProgramConfig;
  /** Where the client files are. @default this repository's clients/ */
  readonly clientsDir?: string;
  /** The local clock's first instant (frozen: only `advance` moves it). @default now */
  readonly start?: string;
  /** Anything else `startLocalCopy` takes (a running DynamoDB Local's `dynamoDbEndpoint`, a `tableName`, …). */
  readonly localCopy?: Omit<LocalCopyOptions, 'config' | 'clock'>;
}

/** A mail as the local SES keeps it. */
export interface TestMail {
  readonly subject: string;
  readonly to: readonly string[];
  readonly html: string;
  readonly text: string;
}

/** A run of a flow, as `GET /v1/members/{id}/flows` shows it. */
export interface TestRun {
  readonly flowId: string;
  readonly runKey: string;
  readonly status: 'active' | 'completed' | 'exited' | 'cancelled';
  readonly group: 'treated' | 'holdout';
  readonly path: readonly string[];
  readonly waiting: { readonly stepId: string; readonly until: string; readonly event: string | null } | null;
  readonly endReason: string | null;
  readonly goalAt: string | null;
}

export interface LojalTestbed {
  readonly local: LocalCopy;
  /** The local clock's reading, ISO. */
  now(): string;
  /** Puts webshop events (Source: the client's first allowed source) and waits until all their work is done. Throws for a refused entry. */
  send(detailType: string, detail: Record<string, unknown>): Promise<void>;
  /** Moves the clock forward by an ISO-8601 duration (`P14D`), running every job due on the way, and waits for all the work. */
  advance(duration: string): Promise<void>;
  /** A member API GET, parsed; throws for an answer that is not 2xx. */
  get<T = unknown>(path: string): Promise<T>;
  /** The member's flow runs. */
  runs(customerId: string): Promise<TestRun[]>;
  /** A flow's counters in total (`entered`, `step:<id>`, `exit:<reason>`, `goal`, …). */
  counters(flowId: string): Promise<Record<string, number>>;
  /** The mail the local SES received for an address, oldest first. */
  inbox(address: string): Promise<TestMail[]>;
  /** What the dead-letter queue holds (rejected events, naming the field). */
  deadLetters(): readonly { readonly detailType?: string; readonly error: string }[];
  stop(): Promise<void>;
}

export async function startLojal(options: LojalTestOptions = {}): Promise<LojalTestbed> {
  const config = typeof options.client === 'object' ? options.client : await loadClientConfig(options.client ?? 'demo', options.clientsDir);
  const local = await startLocalCopy({
    port: 0,
    sesPort: 0,
    // Its own DynamoDB Local on a free port, unless the caller names one that runs.
    ...(options.localCopy?.dynamoDbEndpoint === undefined ? { dynamoDbPort: 0 } : {}),
    ...options.localCopy,
    config,
    clock: { start: new Date(options.start ?? new Date().toISOString()), frozen: true },
  });
  const bus = new EventBridgeClient({
    endpoint: local.urls.api,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${local.urls.api}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  const source = config.allowedSources[0] ?? 'webshop';

  return {
    local,
    now: () => local.clock.now().toISOString(),
    async send(detailType, detail) {
      const result = await bus.send(
        new PutEventsCommand({ Entries: [{ Source: source, DetailType: detailType, Detail: JSON.stringify(detail) }] }),
      );
      const refused = result.Entries?.find((e) => e.ErrorCode);
      if (refused) throw new Error(`PutEvents refused ${detailType}: ${refused.ErrorCode} ${refused.ErrorMessage ?? ''}`);
      await api('POST', '/_local/clock', { advance: 'PT0S' });
    },
    async advance(duration) {
      await api('POST', '/_local/clock', { advance: duration });
    },
    get: (path) => api('GET', path),
    async runs(customerId) {
      return ((await api('GET', `/v1/members/${encodeURIComponent(customerId)}/flows`)) as { runs: TestRun[] }).runs;
    },
    async counters(flowId) {
      return (
        (await api('GET', `/v1/flows/${encodeURIComponent(flowId)}?from=2000-01-01&to=2999-12-31`)) as { totals: Record<string, number> }
      ).totals;
    },
    async inbox(address) {
      const response = await fetch(`${local.urls.ses}/store`);
      const { emails } = (await response.json()) as {
        emails: { subject: string; destination: { to: string[] }; body: { html?: string; text?: string } }[];
      };
      return emails
        .filter((m) => m.destination.to.includes(address))
        .map((m) => ({ subject: m.subject, to: m.destination.to, html: m.body.html ?? '', text: m.body.text ?? '' }));
    },
    deadLetters: () => local.deadLetters.list().map((d) => ({ detailType: d.detailType, error: d.error })),
    stop: () => local.stop(),
  };
}
