import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerApiKeys } from '../../functions/adapters/secrets/api-key-secret';
import { createApiKeyAuthorizer, InvalidApiKeySecretError, matchesAnyKey, parseApiKeySecret } from '../../functions/api/api-key-authorizer';
import { MEMBER_API_KEY_HEADER } from '../../functions/contract/member-api';

const KEY = `${'k'.repeat(24)}Zx81q0PwLm3Vb7Ns5RtY2uEo9IaJd4Hg`;
const NEXT_KEY = `${'n'.repeat(24)}Zx81q0PwLm3Vb7Ns5RtY2uEo9IaJd4Hg`;
const authorize = createApiKeyAuthorizer({ acceptedKeys: async () => [KEY] });

const client = new SecretsManagerClient({ region: 'eu-north-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const secretsManager = mockClient(client);

afterEach(() => {
  secretsManager.reset();
});

describe('Function: createApiKeyAuthorizer', () => {
  it('authorizes a request that carries the client key', async () => {
    const result = await authorize({ headers: { [MEMBER_API_KEY_HEADER]: KEY } });

    expect(result).toEqual({ isAuthorized: true });
  });

  it('refuses a wrong key, a key that only shares a prefix, and a key with extra characters', async () => {
    for (const wrong of ['not-the-key', KEY.slice(0, -1), `${KEY}x`, KEY.toUpperCase()]) {
      expect(await authorize({ headers: { [MEMBER_API_KEY_HEADER]: wrong } })).toEqual({ isAuthorized: false });
    }
  });

  it('refuses a request without the header or with an empty one, without reading the keys', async () => {
    // Prepare
    let reads = 0;
    const counting = createApiKeyAuthorizer({ acceptedKeys: async () => (reads++, [KEY]) });

    // Act
    const results = [await counting({}), await counting({ headers: {} }), await counting({ headers: { [MEMBER_API_KEY_HEADER]: '' } })];

    // Assess
    expect(results).toEqual([{ isAuthorized: false }, { isAuthorized: false }, { isAuthorized: false }]);
    expect(reads).toBe(0);
  });

  it('accepts every key the secret holds, so the shop can move to a new key before the old one goes', async () => {
    const rotating = createApiKeyAuthorizer({ acceptedKeys: async () => [KEY, NEXT_KEY] });

    expect(await rotating({ headers: { [MEMBER_API_KEY_HEADER]: KEY } })).toEqual({ isAuthorized: true });
    expect(await rotating({ headers: { [MEMBER_API_KEY_HEADER]: NEXT_KEY } })).toEqual({ isAuthorized: true });
  });

  it('fails closed when the keys cannot be read', async () => {
    const broken = createApiKeyAuthorizer({ acceptedKeys: async () => Promise.reject(new Error('AccessDenied')) });

    await expect(broken({ headers: { [MEMBER_API_KEY_HEADER]: KEY } })).rejects.toThrow('AccessDenied');
  });
});

describe('Function: matchesAnyKey', () => {
  it('matches only an exact key, whatever the lengths', () => {
    expect(matchesAnyKey(KEY, [NEXT_KEY, KEY])).toBe(true);
    expect(matchesAnyKey('', [KEY])).toBe(false);
    expect(matchesAnyKey(KEY, [])).toBe(false);
  });
});

describe('Function: parseApiKeySecret', () => {
  it('reads every value of the JSON object as a key', () => {
    expect(parseApiKeySecret(JSON.stringify({ apiKey: KEY, next: NEXT_KEY }))).toEqual([KEY, NEXT_KEY]);
  });

  it.each([
    ['not JSON', KEY],
    ['no value', undefined],
    ['an array', JSON.stringify([KEY])],
    ['an empty object', '{}'],
    ['a short key', JSON.stringify({ apiKey: 'short' })],
    ['a key that is not a string', JSON.stringify({ apiKey: 42 })],
  ])('rejects a secret that is %s, without repeating a key in the message', (_, secret) => {
    expect(() => parseApiKeySecret(secret)).toThrow(InvalidApiKeySecretError);
    try {
      parseApiKeySecret(secret);
    } catch (error) {
      expect((error as Error).message).not.toContain(KEY);
    }
  });
});

describe('Class: SecretsManagerApiKeys', () => {
  describe('Method: acceptedKeys', () => {
    it('reads the secret once and reuses it until the cache time has passed', async () => {
      // Prepare
      secretsManager.on(GetSecretValueCommand, { SecretId: 'arn:secret' }).resolves({ SecretString: JSON.stringify({ apiKey: KEY }) });
      let now = Date.parse('2026-11-28T10:00:00Z');
      const keys = new SecretsManagerApiKeys(client, 'arn:secret', { cacheMillis: 60_000, clock: { now: () => new Date(now) } });

      // Act
      const first = await keys.acceptedKeys();
      now += 59_000;
      await keys.acceptedKeys();
      now += 2_000;
      await keys.acceptedKeys();

      // Assess
      expect(first).toEqual([KEY]);
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });

    it('throws when Secrets Manager refuses, so no request is let in', async () => {
      secretsManager.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));

      await expect(new SecretsManagerApiKeys(client, 'arn:secret').acceptedKeys()).rejects.toThrow('AccessDeniedException');
    });
  });
});
