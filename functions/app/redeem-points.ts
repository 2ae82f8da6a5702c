import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import type { ProfileStore } from '../adapters/dynamo/profile-store';
import { rewardCode } from '../domain/ledger-notices';
import { type RedeemedReward, type RedemptionInput, spendableAt } from '../domain/points';
import { DAY_MS } from '../domain/time';
import { ConflictError, NotFoundError, ValidationError } from '../runtime/errors';
import { type LedgerDeps, writeLedgerInput } from './record-ledger-event';

/** `POST /v1/members/{customerId}/redemptions`: a catalogue reward, or a number of points (e.g. as a discount at checkout). */
export const RedemptionRequestSchema = z
  .object({
    /** The shop's id for this redemption: sending it again answers the same, never redeems twice. */
    redemptionId: z.string().check(z.minLength(1), z.maxLength(200)),
    rewardId: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
    points: z.optional(z.int().check(z.positive(), z.maximum(1_000_000_000))),
  })
  .check(
    z.refine((r) => (r.rewardId === undefined) !== (r.points === undefined), {
      message: 'give either rewardId or points, not both and not neither',
      path: ['rewardId'],
    }),
  );
export type RedemptionRequest = z.output<typeof RedemptionRequestSchema>;

/** The answer to a redemption, the same every time its request is sent again. */
export interface Redemption {
  readonly redemptionId: string;
  readonly customerId: string;
  /** Points it cost. */
  readonly points: number;
  /** The reward and its code; null for a plain points redemption. */
  readonly reward: RedeemedReward | null;
  readonly redeemedAt: string;
  /** The member's balance and spendable points right after it. */
  readonly balance: number;
  readonly spendablePoints: number;
}

export interface RedemptionResult {
  /** False when this answers a request made before (same id, same body). */
  readonly created: boolean;
  readonly redemption: Redemption;
}

/**
 * Redeems points for a reward or as a plain amount, atomically: in one transaction the
 * redemption's ledger entry, the member state (guarded by its version, so two redemptions racing
 * each other are checked one after the other, never both against the same balance), the
 * redemption's idempotency record (new ids only) and, for a reward with a stock, one more
 * redeemed (only while below the stock). The spendable balance, pending points excluded, must
 * cover the price when it is written.
 *
 * Idempotent on `redemptionId` per member: the same request again answers the stored answer;
 * the same id with a different request is a `ConflictError` (`IdempotencyConflict`). Refused
 * redemptions (too few points, sold out) are not recorded, so the id may be used again.
 */
export async function redeemPoints(
  deps: LedgerDeps & { readonly profiles: ProfileStore },
  customerId: string,
  request: RedemptionRequest,
): Promise<RedemptionResult> {
  const requestHash = createHash('sha256')
    .update(JSON.stringify([request.redemptionId, request.rewardId ?? null, request.points ?? null]))
    .digest('base64url');
  const replay = async (): Promise<RedemptionResult | undefined> => {
    const record = await deps.ledger.readRedemption(customerId, request.redemptionId);
    if (!record) return undefined;
    if (record.requestHash !== requestHash) {
      throw new ConflictError('IdempotencyConflict', `redemption ${request.redemptionId} was made with a different request`);
    }
    return { created: false, redemption: record.response as unknown as Redemption };
  };
  const earlier = await replay();
  if (earlier) return earlier;

  const reward = request.rewardId === undefined ? undefined : deps.config.rewards.find((r) => r.id === request.rewardId);
  if (request.rewardId !== undefined && !reward) {
    const known = deps.config.rewards.map((r) => r.id).join(', ') || 'none';
    throw new ValidationError('body.rewardId', `${request.rewardId} is not a reward of this program (${known})`);
  }
  const price = reward?.points ?? request.points ?? 0;
  const profile = await deps.profiles.get(customerId, false);
  const now = deps.clock.now();
  const redeemed: RedeemedReward | undefined = reward && {
    id: reward.id,
    name: reward.name,
    code: rewardCode(reward.id, randomBytes(8)),
    validUntil: reward.validDays === null ? null : new Date(now.getTime() + reward.validDays * DAY_MS).toISOString(),
  };
  const input: RedemptionInput = {
    kind: 'redemption',
    ref: request.redemptionId,
    at: now.toISOString(),
    points: price,
    ...(redeemed ? { reward: redeemed } : {}),
  };

  let answer: Redemption | undefined;
  const result = await writeLedgerInput(deps, customerId, input, {
    check: (plan) => {
      if (plan.commit.expectedVersion === 0 && !profile) throw new NotFoundError(`no member ${customerId}`);
      const spendable = spendableAt(plan.before, now.getTime());
      if (spendable < price) {
        throw new ConflictError(
          'InsufficientPoints',
          `the redemption needs ${price} spendable points; the member has ${Math.max(0, spendable)}`,
        );
      }
    },
    redemption: (plan) => {
      // The answer of the attempt that commits is the one stored and returned.
      answer = {
        redemptionId: request.redemptionId,
        customerId,
        points: price,
        reward: redeemed ?? null,
        redeemedAt: input.at,
        balance: plan.after.balance,
        spendablePoints: spendableAt(plan.after, now.getTime()),
      };
      return {
        record: { redemptionId: request.redemptionId, requestHash, response: { ...answer } },
        ...(reward && reward.stock !== null ? { stock: { rewardId: reward.id, limit: reward.stock } } : {}),
      };
    },
  });

  switch (result.outcome) {
    case 'applied':
      deps.metrics.addMetric('PointsRedeemed', 'Count', price);
      if (!answer) throw new Error('a redemption committed without its answer'); // cannot happen: the callback ran before the commit
      return { created: true, redemption: answer };
    case 'sold-out':
      throw new ConflictError('OutOfStock', `${reward?.name ?? request.rewardId} is sold out`);
    case 'duplicate':
    case 'redemption-exists': {
      const record = await replay();
      if (!record) throw new Error(`redemption ${request.redemptionId} is in the ledger without its record`);
      return record;
    }
  }
}
