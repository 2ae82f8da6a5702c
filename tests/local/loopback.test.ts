import { request } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { isLoopbackHostHeader } from '../../local/http-server';
import type { LocalCopy } from '../../local/local-copy';
import { isLoopbackHost } from '../../local/services/dynamodb';
import { exposedHostWarning } from '../../local/settings';
import { startTestLocalCopy } from '../support/local-copy';

/** This machine's addresses other than loopback: where a service bound to every interface would answer. */
const outward = Object.values(os.networkInterfaces())
  .flat()
  .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && !a.internal && a.family === 'IPv4')
  .map((a) => a.address);

const answersOn = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });

/** A raw POST, so the Host header can be anything (fetch sets it from the URL). */
const post = (url: string, headers: Record<string, string>, body: string) =>
  new Promise<{ status: number; body: { error?: { code: string; message: string } } }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      // The link pages answer HTML: only JSON answers have a body to read here.
      const json = () => (String(res.headers['content-type']).startsWith('application/json') && text ? JSON.parse(text) : {});
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: json() }));
    });
    req.on('error', reject);
    req.end(body);
  });

let local: LocalCopy;

beforeAll(async () => {
  local = await startTestLocalCopy('loopback', '2026-11-28T10:00:00Z');
});

afterAll(async () => {
  await local?.stop();
});

describe('the local copy listens on loopback only', () => {
  it.skipIf(outward.length === 0)("DynamoDB Local answers on 127.0.0.1 and on none of this machine's other addresses", async () => {
    const port = Number(new URL(inject('dynamoEndpoint')).port);
    expect(new URL(inject('dynamoEndpoint')).hostname).toBe('127.0.0.1');
    expect(await answersOn('127.0.0.1', port)).toBe(true);
    for (const address of outward) expect(await answersOn(address, port)).toBe(false);
  });

  it.skipIf(outward.length === 0)("the API and the SES inbox answer on none of this machine's other addresses", async () => {
    for (const url of [local.urls.api, local.urls.ses]) {
      const { hostname, port } = new URL(url);
      expect(hostname).toBe('127.0.0.1');
      expect(await answersOn('127.0.0.1', Number(port))).toBe(true);
      for (const address of outward) expect(await answersOn(address, Number(port))).toBe(false);
    }
  });
});

describe("the local API's POSTs", () => {
  const clock = () => `${local.urls.api}/_local/clock`;
  const body = JSON.stringify({ advance: 'PT0S' });

  it('refuses a Host that is not loopback with 403 (DNS rebinding), saying which Hosts it takes', async () => {
    const answer = await post(clock(), { host: 'rebound.example.com', 'content-type': 'application/json' }, body);

    expect(answer.status).toBe(403);
    expect(answer.body.error).toEqual({
      code: 'ForbiddenHost',
      message: 'The local copy takes POSTs only with a loopback Host (127.0.0.1, localhost or [::1]), not "rebound.example.com".',
    });
  });

  it.each([
    ['text/plain (what a page can send cross-origin without asking)', 'text/plain;charset=UTF-8'],
    ['a form', 'application/x-www-form-urlencoded'],
  ])('refuses %s with 415, asking for JSON', async (_, contentType) => {
    const answer = await post(clock(), { 'content-type': contentType }, body);

    expect(answer.status).toBe(415);
    expect(answer.body.error?.code).toBe('UnsupportedMediaType');
    expect(answer.body.error?.message).toBe(
      `POST bodies must be JSON: send Content-Type: application/json, not "${contentType.split(';')[0]}".`,
    );
  });

  it('refuses a POST without a content type with 415', async () => {
    expect((await post(clock(), {}, body)).status).toBe(415);
  });

  it('takes JSON from a loopback Host, by address or by name', async () => {
    const port = new URL(local.urls.api).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await post(clock(), { host, 'content-type': 'application/json; charset=utf-8' }, body)).status).toBe(200);
    }
  });

  it('takes the email-link forms (one-click unsubscribe), which prove themselves by their signature, but not from a foreign Host', async () => {
    const link = `${local.urls.api}/v1/members/c-1/unsubscribe?t=1.bad`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    // Not a 415: the route is reached, and the bad token is refused there.
    const answer = await post(link, form, 'List-Unsubscribe=One-Click');
    expect(answer.status).not.toBe(415);
    expect(answer.body.error?.code).not.toBe('ForbiddenHost');
    expect((await post(link, { ...form, host: 'evil.example' }, 'List-Unsubscribe=One-Click')).body.error?.code).toBe('ForbiddenHost');
  });
});

describe('loopback names and the LOJAL_HOST warning', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(exposedHostWarning(host)).toBeUndefined();
  });

  it.each(['0.0.0.0', '192.168.1.20', '::', 'my-laptop.local'])('warns loudly that %s exposes the unauthenticated API', (host) => {
    const warning = exposedHostWarning(host);
    expect(warning).toContain(`WARNING: LOJAL_HOST=${host} is not a loopback address`);
    expect(warning).toContain('WITHOUT authentication');
  });

  it.each([
    ['127.0.0.1:4010', true],
    ['localhost', true],
    ['[::1]:4010', true],
    ['127.0.0.1.nip.io:4010', false],
    ['attacker.example:4010', false],
    ['', false],
  ])('Host %s is loopback: %s', (host, expected) => {
    expect(isLoopbackHostHeader(host)).toBe(expected);
  });
});
