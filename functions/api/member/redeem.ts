import { redeemPoints, RedemptionRequestSchema } from '../../app/redeem-points';
import { HttpAnswer, json, parseJsonBody } from '../http';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';

/**
 * `POST /v1/members/{customerId}/redemptions`: spends points on a reward or as an amount
 * (functions/app/redeem-points.ts): 201 when made, 200 when the same redemption is asked again.
 */
export function redeem({ deps, ledger, profiles }: MemberApiContext): Operation<'customerId'> {
  return async ({ params: { customerId }, event }) => {
    const request = parseJsonBody(RedemptionRequestSchema, event, '{ "redemptionId", "rewardId" } or { "redemptionId", "points" }');
    const result = await redeemPoints({ ...deps, ledger, profiles }, customerId, request);
    return new HttpAnswer(json(result.created ? 201 : 200, result.redemption));
  };
}
