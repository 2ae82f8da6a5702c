import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HandlerDeps } from '../handlers/registry';

/**
 * The member API (PRODUCT.md §3) as one HTTP API v2 (payload format 2.0) handler: API Gateway
 * invokes it in AWS, the local copy's HTTP server invokes it with the same event shape.
 */
export type MemberApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export function createMemberApi(deps: Omit<HandlerDeps, 'deadLetters'>): MemberApiHandler {
  void deps;
  throw new Error('not yet implemented');
}
