import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { SecretsManagerApiKeys } from '../adapters/secrets/api-key-secret';
import { createApiKeyAuthorizer } from '../api/api-key-authorizer';
import { requireEnv } from './env';

/**
 * Lambda entry point of the member API's key authorizer (auth mode `apiKey`, lib/member-api.ts).
 * Needs API_KEY_SECRET_ARN (secretsmanager:GetSecretValue on that secret only). The event is
 * never logged: it carries the key.
 */
const logger = new Logger();
const keys = new SecretsManagerApiKeys(new SecretsManagerClient({}), requireEnv('API_KEY_SECRET_ARN'));

export const handler = middy<APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult>(createApiKeyAuthorizer(keys)).use(
  injectLambdaContext(logger, { logEvent: false, resetKeys: true }),
);
