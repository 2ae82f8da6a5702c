import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Shopify (`X-Shopify-Hmac-SHA256`) and WooCommerce (`X-WC-Webhook-Signature`) sign a webhook
 * the same way: the base64 HMAC-SHA256 of the raw request body with the shared secret. The
 * check must run on the bytes as received: a parsed and re-serialised body signs differently.
 * https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
 */

/** The base64 HMAC-SHA256 of `body` with `secret`, as both platforms send it. */
export function webhookSignature(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * True when `signature` is the body's signature under one of `secrets` (several during a
 * rotation). Compared in constant time, so the answer's timing tells nothing about the digest.
 */
export function signatureMatches(body: Buffer | string, signature: string | undefined, secrets: readonly string[]): boolean {
  if (signature === undefined || signature.length === 0) return false;
  const given = Buffer.from(signature.trim(), 'utf8');
  let matched = false;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const expected = Buffer.from(webhookSignature(body, secret), 'utf8');
    // Every secret is tried, so how many there are does not show either.
    if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}
