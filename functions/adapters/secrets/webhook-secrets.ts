import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import type { WebhookSecrets } from '../../integrations/webhook-receiver';
import type { Platform } from '../dynamo/integration-store';
import { type Clock, systemClock } from '../../runtime/ports';
import type { SecretValueReader } from './api-key-secret';

/**
 * The webhook secrets in Secrets Manager, one JSON secret per client stack:
 * `{ "shopify": "<the app's client secret>", "woocommerce": "<the webhook's secret>" }`, each
 * value a string or, while a secret is rotated, a list of the accepted ones. Read once and kept
 * for a few minutes per execution environment; a failed read throws, so a webhook is answered
 * 500 and retried, never let through.
 */

const secretValue = z.union([z.string(), z.array(z.string())]);
const WebhookSecretSchema = z.object({ shopify: z.optional(secretValue), woocommerce: z.optional(secretValue) });

/** The accepted secrets per platform in a secret's JSON text; a text that is not that shape is an error naming the secret. */
export function parseWebhookSecret(text: string | undefined): Record<Platform, readonly string[]> {
  let json: unknown;
  try {
    json = JSON.parse(text ?? '');
  } catch {
    throw new Error('The webhook secret is not JSON: expected { "shopify": "…", "woocommerce": "…" }');
  }
  const parsed = WebhookSecretSchema.safeParse(json);
  if (!parsed.success) throw new Error('The webhook secret must map shopify and woocommerce to a secret or a list of secrets');
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).filter((s) => s.length > 0));
  return { shopify: list(parsed.data.shopify), woocommerce: list(parsed.data.woocommerce) };
}

export class SecretsManagerWebhookSecrets implements WebhookSecrets {
  private cached?: { readonly secrets: Record<Platform, readonly string[]>; readonly until: number };

  constructor(
    private readonly client: SecretValueReader,
    private readonly secretId: string,
    private readonly cacheMillis = 5 * 60_000,
    private readonly clock: Clock = systemClock,
  ) {}

  async secretsFor(platform: Platform): Promise<readonly string[]> {
    const now = this.clock.now().getTime();
    if (!this.cached || now >= this.cached.until) {
      const output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      this.cached = { secrets: parseWebhookSecret(output.SecretString), until: now + this.cacheMillis };
    }
    return this.cached.secrets[platform];
  }
}

/** Fixed secrets (the local copy, tests). */
export function staticWebhookSecrets(secrets: Partial<Record<Platform, string>>): WebhookSecrets {
  return { secretsFor: async (platform) => (secrets[platform] ? [secrets[platform]] : []) };
}
