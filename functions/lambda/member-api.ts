import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createMemberApi } from '../api/member-api';
import { coreDeps, logger, metrics } from './core';

/**
 * Lambda entry point of the member API (PRODUCT.md §3): every route of `MEMBER_API_ROUTES`
 * behind the HTTP API (lib/member-api.ts), payload format 2.0, the handler the local copy serves
 * too. Needs TABLE_NAME (read/write: redemptions and mail-link answers write). The request is
 * never logged: its path and body name a member.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(createMemberApi(coreDeps))
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
