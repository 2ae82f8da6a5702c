import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { MEMBER_API_KEY_HEADER } from '../contract/member-api';

/**
 * The member API's per-client API key check (auth mode `apiKey`): an HTTP API Lambda request
 * authorizer with simple responses. HTTP APIs have no usage-plan API keys, so the key lives in
 * Secrets Manager and this compares the `x-api-key` header with it; API Gateway caches the answer
 * per header value (lib/member-api.ts), so the secret is read a few times an hour, not per request.
 */

/** Where the accepted keys come from: Secrets Manager in AWS (functions/adapters/secrets), a list in tests. */
export interface ApiKeyStore {
  acceptedKeys(): Promise<readonly string[]>;
}

/** The part of the authorizer event the check reads. */
export type ApiKeyAuthorizerEvent = Pick<APIGatewayRequestAuthorizerEventV2, 'headers'>;
export type ApiKeyAuthorizerHandler = (event: ApiKeyAuthorizerEvent) => Promise<APIGatewaySimpleAuthorizerResult>;

/** A key shorter than this is not a secret; the generated one has 48 characters. */
export const MIN_API_KEY_LENGTH = 32;

/** Thrown when the key secret is not what `parseApiKeySecret` expects; the message never contains a key. */
export class InvalidApiKeySecretError extends Error {
  override readonly name = 'InvalidApiKeySecretError';
}

/**
 * The authorizer's handler: authorized when the header matches one of the accepted keys.
 *
 * @example
 * const authorize = createApiKeyAuthorizer({ acceptedKeys: async () => [key] });
 * await authorize({ headers: { 'x-api-key': key } }); // { isAuthorized: true }
 */
export function createApiKeyAuthorizer(store: ApiKeyStore): ApiKeyAuthorizerHandler {
  return async (event) => {
    // API Gateway lower-cases header names in payload format 2.0.
    const given = event.headers?.[MEMBER_API_KEY_HEADER];
    if (given === undefined || given === '') return { isAuthorized: false };
    return { isAuthorized: matchesAnyKey(given, await store.acceptedKeys()) };
  };
}

/**
 * True when `given` equals one of `keys`, in time independent of where they differ: SHA-256
 * digests have one length, so `timingSafeEqual` compares them all the way, and every key is
 * compared even after a match.
 */
export function matchesAnyKey(given: string, keys: readonly string[]): boolean {
  const digest = sha256(given);
  let matched = false;
  for (const key of keys) matched = timingSafeEqual(digest, sha256(key)) || matched;
  return matched;
}

/**
 * Reads the key secret: a JSON object whose every string value is an accepted key. The stack
 * generates `{"apiKey":"…"}`; to rotate without downtime, add the new key under another name,
 * move the shop to it, then remove the old one.
 *
 * @throws InvalidApiKeySecretError when it is not such an object, holds no key, or a key is short
 */
export function parseApiKeySecret(secretString: string | undefined): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    throw new InvalidApiKeySecretError('The API key secret must be a JSON object such as {"apiKey":"…"}.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidApiKeySecretError('The API key secret must be a JSON object such as {"apiKey":"…"}.');
  }
  const entries = Object.entries(parsed);
  const keys: string[] = [];
  for (const [name, value] of entries) {
    if (typeof value !== 'string' || value.length < MIN_API_KEY_LENGTH) {
      throw new InvalidApiKeySecretError(
        `The API key "${name}" in the secret must be a string of at least ${MIN_API_KEY_LENGTH} characters.`,
      );
    }
    keys.push(value);
  }
  if (keys.length === 0) throw new InvalidApiKeySecretError('The API key secret holds no key.');
  return keys;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
