import { GetSecretValueCommand, type GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import { type ApiKeyStore, parseApiKeySecret } from '../../api/api-key-authorizer';
import { type Clock, systemClock } from '../../runtime/ports';

/** The one Secrets Manager call the store makes; `SecretsManagerClient` satisfies it. */
export interface SecretValueReader {
  send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput>;
}

export interface SecretsManagerApiKeysOptions {
  /** How long keys read from the secret are reused, so a changed secret takes effect within it. @default 5 minutes */
  readonly cacheMillis?: number;
  /** @default the system clock */
  readonly clock?: Clock;
}

/**
 * The member API's accepted keys, read from the client's secret and kept for a few minutes per
 * execution environment. A read that fails throws, so the authorizer fails closed (API Gateway
 * answers 500) rather than letting anyone in.
 */
export class SecretsManagerApiKeys implements ApiKeyStore {
  private cached?: { readonly keys: readonly string[]; readonly until: number };
  private readonly cacheMillis: number;
  private readonly clock: Clock;

  constructor(
    private readonly client: SecretValueReader,
    private readonly secretId: string,
    options: SecretsManagerApiKeysOptions = {},
  ) {
    this.cacheMillis = options.cacheMillis ?? 5 * 60_000;
    this.clock = options.clock ?? systemClock;
  }

  async acceptedKeys(): Promise<readonly string[]> {
    const now = this.clock.now().getTime();
    if (this.cached && now < this.cached.until) return this.cached.keys;
    const output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    const keys = parseApiKeySecret(output.SecretString);
    this.cached = { keys, until: now + this.cacheMillis };
    return keys;
  }
}
