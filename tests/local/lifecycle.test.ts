import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { InvalidProgramConfigError } from '../../functions/config/program';
import { UnknownClientError } from '../../lib/load-client';
import { ClientFileError, loadClientConfig } from '../../local/client-config';
import { type LocalCopy, startLocalCopy } from '../../local/local-copy';
import { freePort, LocalServiceError } from '../../local/services/dynamodb';
import { LocalSettingsError, resolveLocalSettings } from '../../local/settings';
import { demoConfig } from '../support/deps';

/** True when nothing accepts connections on the port. */
function isClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

let started: LocalCopy | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

describe('Function: startLocalCopy', () => {
  it('starts DynamoDB Local, the SES inbox and the API, and stop() leaves nothing listening', async () => {
    // Prepare
    const local = await startLocalCopy({ config: demoConfig, port: 0, sesPort: 0, dynamoDbPort: 0, schedules: () => [] });
    started = local;
    const ports = [portOf(local.urls.api), portOf(local.urls.ses), portOf(local.urls.dynamoDb)];
    expect(await Promise.all(ports.map(isClosed))).toEqual([false, false, false]);
    // A client holding a keep-alive connection must not keep the server up.
    await fetch(`${local.urls.api}/_local/clock`, { headers: { connection: 'keep-alive' } });

    // Act
    await local.stop();
    await local.stop();

    // Assess
    expect(await Promise.all(ports.map(isClosed))).toEqual([true, true, true]);
  });

  it('refuses a busy port with a one-line LocalServiceError before starting anything', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as net.AddressInfo).port;
    const sesPort = await freePort();
    try {
      const attempt = startLocalCopy({
        config: demoConfig,
        port: busyPort,
        sesPort,
        dynamoDbEndpoint: inject('dynamoEndpoint'),
        schedules: () => [],
      });
      await expect(attempt).rejects.toThrow(LocalServiceError);
      await expect(attempt).rejects.toThrow(new RegExp(`^Port ${busyPort} is in use.*LOJAL_PORT`));
      expect(await isClosed(sesPort)).toBe(true);
    } finally {
      busy.close();
    }
  });

  it('stops what it started when a later part fails', async () => {
    const sesPort = await freePort();
    const attempt = startLocalCopy({
      config: demoConfig,
      port: 0,
      sesPort,
      dynamoDbEndpoint: inject('dynamoEndpoint'),
      schedules: () => [],
      createHandlers: () => {
        throw new Error('handlers could not be built');
      },
    });
    await expect(attempt).rejects.toThrow('handlers could not be built');
    expect(await isClosed(sesPort)).toBe(true);
  });

  it('keeps DynamoDB data in a persist directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lojal-persist-'));
    const local = await startLocalCopy({ config: demoConfig, port: 0, sesPort: 0, dynamoDbPort: 0, persistDir: dir, schedules: () => [] });
    started = local;
    expect(local.persistDir).toBe(dir);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).some((f) => f.endsWith('.db'))).toBe(true);
  });
});

describe('Function: loadClientConfig', () => {
  const clientsDir = mkdtempSync(path.join(tmpdir(), 'lojal-clients-'));
  writeFileSync(path.join(clientsDir, 'broken.ts'), 'export default { clientId: "broken", tiers: [ ;\n');
  writeFileSync(path.join(clientsDir, 'invalid.ts'), 'export default { clientId: "invalid", locales: [] };\n');

  it('loads and validates the demo client', async () => {
    expect((await loadClientConfig('demo')).clientId).toBe('demo');
  });

  it('names the known clients when the file does not exist', async () => {
    await expect(loadClientConfig('nope')).rejects.toThrow(UnknownClientError);
    await expect(loadClientConfig('nope')).rejects.toThrow(/demo/);
  });

  it('reports a file that does not compile in one line with its location', async () => {
    const error = await loadClientConfig('broken', clientsDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientFileError);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).toMatch(/broken\.ts:1:\d+/);
  });

  it('reports an invalid configuration naming the field', async () => {
    await expect(loadClientConfig('invalid', clientsDir)).rejects.toThrow(InvalidProgramConfigError);
    await expect(loadClientConfig('invalid', clientsDir)).rejects.toThrow(/locales/);
  });
});

describe('Function: resolveLocalSettings', () => {
  it('defaults to the documented addresses, the demo client, in memory and a running clock', () => {
    expect(resolveLocalSettings([], {})).toEqual({
      help: false,
      clientName: 'demo',
      logLevel: 'info',
      options: { host: '127.0.0.1', port: 4010, sesPort: 8005, dynamoDbPort: 8000, clock: { frozen: false } },
    });
  });

  it('reads every setting from the environment, and the command line wins', () => {
    const env = {
      LOJAL_HOST: '0.0.0.0',
      LOJAL_PORT: '5010',
      LOJAL_SES_PORT: '5005',
      LOJAL_DYNAMODB_PORT: '5000',
      LOJAL_CLIENT: 'other',
      LOJAL_PERSIST_DIR: '/tmp/data',
      LOJAL_CLOCK: 'frozen',
      LOJAL_CLOCK_START: '2026-01-01T09:00:00+01:00',
      LOJAL_LOG_LEVEL: 'debug',
    };
    expect(resolveLocalSettings(['--client', 'demo', '--persist', '.local-data'], env)).toEqual({
      help: false,
      clientName: 'demo',
      logLevel: 'debug',
      options: {
        host: '0.0.0.0',
        port: 5010,
        sesPort: 5005,
        dynamoDbPort: 5000,
        persistDir: '.local-data',
        clock: { frozen: true, start: new Date('2026-01-01T08:00:00Z') },
      },
    });
  });

  it.each([
    [[], { LOJAL_PORT: '40l0' }, /LOJAL_PORT/],
    [[], { LOJAL_SES_PORT: '70000' }, /LOJAL_SES_PORT/],
    [[], { LOJAL_CLOCK: 'fast' }, /LOJAL_CLOCK/],
    [[], { LOJAL_CLOCK_START: 'yesterday' }, /LOJAL_CLOCK_START/],
    [[], { LOJAL_LOG_LEVEL: 'loud' }, /LOJAL_LOG_LEVEL/],
    [['--bogus'], {}, /--bogus/],
  ])('refuses %j %j with a message naming the setting', (argv, env, message) => {
    expect(() => resolveLocalSettings(argv, env)).toThrow(LocalSettingsError);
    expect(() => resolveLocalSettings(argv, env)).toThrow(message);
  });
});
