import * as z from 'zod/mini';
import type { ProfileStore } from '../adapters/dynamo/profile-store';
import type { AdjustmentInput } from '../domain/points';
import { type LedgerDeps, writeLedgerInput } from './record-ledger-event';

/**
 * Operator adjustments: points added or removed by hand, for one member or thousands (a CSV
 * through `npm run adjust`), each with a mandatory reason and an adjustment id that makes it
 * happen once however often the file is run. They are ordinary `adjustment` entries in the
 * ledger, dated when they are recorded, and never count towards tiers.
 */

export const PointsAdjustmentSchema = z.object({
  /** Makes the adjustment idempotent: the same id is applied once per member. */
  adjustmentId: z.string().check(z.minLength(1), z.maxLength(100), z.regex(/^[\w.:-]+$/, 'must be letters, digits, _ . : or -')),
  customerId: z.string().check(z.minLength(1), z.maxLength(200)),
  /** Positive adds, negative removes (the balance may go below zero). */
  points: z.int().check(
    z.minimum(-10_000_000),
    z.maximum(10_000_000),
    z.refine((p) => p !== 0, 'must not be 0'),
  ),
  /** Shown in the member's ledger. */
  reason: z.string().check(z.trim(), z.minLength(1, 'is required'), z.maxLength(500)),
});
export type PointsAdjustment = z.output<typeof PointsAdjustmentSchema>;

/**
 * - `applied`: written now;
 * - `already-applied`: this adjustment id was applied before, with the same points and reason;
 * - `conflict`: this adjustment id was applied before with other points or another reason;
 * - `unknown-member`: no such member (unless new members are allowed).
 */
export type AdjustmentOutcome = 'applied' | 'already-applied' | 'conflict' | 'unknown-member';

/** Operator adjustments live under their own prefix, so an adjustment id can never collide with a bonus's reference. */
export const operatorRef = (adjustmentId: string): string => `op:${adjustmentId}`;

export interface AdjustOptions {
  /** Adjust customer ids Lojal has never seen (neither a profile nor points). @default false */
  readonly allowNewMembers?: boolean;
}

class UnknownMember extends Error {
  override readonly name = 'UnknownMember';
}

/** Applies one adjustment, once. */
export async function adjustPoints(
  deps: LedgerDeps & { readonly profiles: ProfileStore },
  adjustment: PointsAdjustment,
  options: AdjustOptions = {},
): Promise<AdjustmentOutcome> {
  const input: AdjustmentInput = {
    kind: 'adjustment',
    ref: operatorRef(adjustment.adjustmentId),
    at: deps.clock.now().toISOString(),
    points: adjustment.points,
    reason: adjustment.reason,
  };
  const known = options.allowNewMembers === true || (await deps.profiles.get(adjustment.customerId, false)) !== undefined;
  let result: Awaited<ReturnType<typeof writeLedgerInput>>;
  try {
    result = await writeLedgerInput(deps, adjustment.customerId, input, {
      check: (plan) => {
        if (!known && plan.commit.expectedVersion === 0) throw new UnknownMember();
      },
    });
  } catch (error) {
    if (error instanceof UnknownMember) return 'unknown-member';
    throw error;
  }
  if (result.outcome === 'applied') {
    deps.metrics.addMetric('PointsAdjusted', 'Count', adjustment.points);
    return 'applied';
  }
  if (result.outcome !== 'duplicate') throw new Error(`unexpected outcome ${result.outcome}`);
  const existing =
    result.existing ?? (await deps.ledger.read(adjustment.customerId)).entries.find((e) => e.kind === 'adjustment' && e.ref === input.ref);
  const same = existing?.input.kind === 'adjustment' && existing.input.points === input.points && existing.input.reason === input.reason;
  return same ? 'already-applied' : 'conflict';
}

export interface BulkAdjustmentReport {
  readonly total: number;
  readonly applied: number;
  readonly alreadyApplied: number;
  /** Adjustment ids used before with other points or another reason: not applied. */
  readonly conflicts: readonly PointsAdjustment[];
  readonly unknownMembers: readonly PointsAdjustment[];
  /** Rows that failed otherwise (the error's name and message); running the file again retries them. */
  readonly failed: readonly { readonly adjustment: PointsAdjustment; readonly error: string }[];
}

export interface BulkAdjustOptions extends AdjustOptions {
  /** Members worked on at once; one member's rows always go one after the other. @default 16 */
  readonly concurrency?: number;
  /** Called after every row. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Applies many adjustments (validated beforehand), each once. Rows of one member are applied in
 * file order, one after another, so they never race each other for the member's state; members
 * are worked on in parallel. A failing row does not stop the others.
 */
export async function applyAdjustments(
  deps: LedgerDeps & { readonly profiles: ProfileStore },
  adjustments: readonly PointsAdjustment[],
  options: BulkAdjustOptions = {},
): Promise<BulkAdjustmentReport> {
  const byMember = new Map<string, PointsAdjustment[]>();
  for (const a of adjustments) byMember.set(a.customerId, [...(byMember.get(a.customerId) ?? []), a]);
  const queue = [...byMember.values()];
  let done = 0;
  let applied = 0;
  let alreadyApplied = 0;
  const conflicts: PointsAdjustment[] = [];
  const unknownMembers: PointsAdjustment[] = [];
  const failed: { adjustment: PointsAdjustment; error: string }[] = [];

  const worker = async () => {
    for (let rows = queue.shift(); rows; rows = queue.shift()) {
      for (const adjustment of rows) {
        try {
          const outcome = await adjustPoints(deps, adjustment, options);
          if (outcome === 'applied') applied++;
          else if (outcome === 'already-applied') alreadyApplied++;
          else if (outcome === 'conflict') conflicts.push(adjustment);
          else unknownMembers.push(adjustment);
        } catch (error) {
          failed.push({ adjustment, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        }
        options.onProgress?.(++done, adjustments.length);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
  return { total: adjustments.length, applied, alreadyApplied, conflicts, unknownMembers, failed };
}
