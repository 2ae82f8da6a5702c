import type { ProgramConfig } from '../config/program';
import { addMonthsUtc } from './time';
import { type LedgerFold, nextExpiry, pendingAt, qualifyingBefore, qualifyingPointsAt, spendableAt } from './points';

/**
 * The figures `GET /v1/members/{id}` shows of a member's points and status, and a compact view
 * of them the ledger writer stores in the member's state, so the API answers from one item
 * instead of reading and re-folding the member's whole ledger.
 *
 * The figures change with time alone: pending points become spendable, points age out of the
 * rolling 12 months, a review moves the status, points expire. The view keeps what those depend
 * on (pending lots, the contributions that can still count, the status) and is exact until
 * `validUntil`, the first instant at which something else changes by time alone (a review or a
 * warning, the fold's `nextCheckpoint`; the next expiry). From then until the member's next
 * write (the ledger job writes within a minute of a review or an expiry) the API folds the ledger.
 */

export interface MemberFigures {
  /** Everything held, pending included; negative when a refund took back points already spent. */
  readonly balance: number;
  readonly spendablePoints: number;
  readonly pendingPoints: number;
  readonly pending: readonly { readonly points: number; readonly spendableAt: string }[];
  readonly lifetimePoints: number;
  readonly tier: string;
  readonly tierSince: string | null;
  readonly tierReviewAt: string | null;
  readonly qualifyingPoints: number;
  readonly nextTier: { readonly name: string; readonly qualifyingPoints: number; readonly missing: number } | null;
  readonly expiring: { readonly points: number; readonly expiresAt: string } | null;
}

/** What the figures at any instant in [asOf, validUntil) are computed from; stored in the member state. */
export interface MemberView {
  readonly asOf: number;
  /** Null: nothing changes by time alone (no expiry, review or warning ahead). */
  readonly validUntil: number | null;
  readonly balance: number;
  readonly lifetimePoints: number;
  /** Spendable at `asOf`, debt deducted; pending lots add to it as their return window ends. */
  readonly spendable: number;
  readonly pending: readonly { readonly points: number; readonly spendableAt: number }[];
  /** Qualifying contributions that can still count at or after `asOf`. */
  readonly contributions: readonly { readonly at: number; readonly points: number }[];
  readonly tier: { readonly name: string; readonly since: number | null; readonly reviewAt: number | null };
  readonly expiring: { readonly points: number; readonly expiresAt: number } | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function figures(
  config: ProgramConfig,
  parts: Omit<MemberView, 'asOf' | 'validUntil' | 'contributions' | 'spendable' | 'pending'> & {
    readonly spendable: number;
    readonly pending: readonly { readonly points: number; readonly spendableAt: number }[];
    readonly qualifying: number;
  },
): MemberFigures {
  const next = config.tiers[config.tiers.findIndex((t) => t.name === parts.tier.name) + 1];
  return {
    balance: parts.balance,
    spendablePoints: parts.spendable,
    pendingPoints: parts.pending.reduce((s, p) => s + p.points, 0),
    pending: parts.pending.map((p) => ({ points: p.points, spendableAt: new Date(p.spendableAt).toISOString() })),
    lifetimePoints: parts.lifetimePoints,
    tier: parts.tier.name,
    tierSince: iso(parts.tier.since),
    tierReviewAt: iso(parts.tier.reviewAt),
    qualifyingPoints: parts.qualifying,
    nextTier: next
      ? { name: next.name, qualifyingPoints: next.qualifyingPoints, missing: Math.max(0, next.qualifyingPoints - parts.qualifying) }
      : null,
    expiring: parts.expiring ? { points: parts.expiring.points, expiresAt: new Date(parts.expiring.expiresAt).toISOString() } : null,
  };
}

/** The figures at `nowMs` from a fold carried to `nowMs` (`foldLedger(…, { asOf: nowMs })`). */
export function memberFiguresOf(config: ProgramConfig, fold: LedgerFold, nowMs: number): MemberFigures {
  return figures(config, {
    balance: fold.balance,
    lifetimePoints: fold.lifetimePoints,
    spendable: spendableAt(fold, nowMs),
    pending: pendingAt(fold, nowMs),
    qualifying: qualifyingPointsAt(fold, nowMs),
    tier: fold.status,
    expiring: nextExpiry(fold, nowMs),
  });
}

/** The view of a fold carried to `asOfMs`, for the member state. */
export function memberViewOf(fold: LedgerFold, asOfMs: number): MemberView {
  const expiring = nextExpiry(fold, asOfMs);
  const limits = [fold.nextCheckpoint, expiring?.expiresAt ?? null].filter((t): t is number => t !== null);
  // Any contribution that counts at an instant t >= asOf lies after t − 12 months >= asOf − 12 months.
  const from = addMonthsUtc(asOfMs + 1, -12);
  return {
    asOf: asOfMs,
    validUntil: limits.length > 0 ? Math.min(...limits) : null,
    balance: fold.balance,
    lifetimePoints: fold.lifetimePoints,
    spendable: spendableAt(fold, asOfMs),
    pending: pendingAt(fold, asOfMs),
    contributions: fold.contributions.filter((c) => c.at > from).map((c) => ({ at: c.at, points: c.points })),
    tier: { name: fold.status.name, since: fold.status.since, reviewAt: fold.status.reviewAt },
    expiring,
  };
}

/** The figures at `nowMs` from a stored view, or undefined when the view cannot tell (before `asOf`, from `validUntil` on). */
export function memberFiguresFromView(config: ProgramConfig, view: MemberView, nowMs: number): MemberFigures | undefined {
  if (nowMs < view.asOf || (view.validUntil !== null && nowMs >= view.validUntil)) return undefined;
  const settled = view.pending.filter((p) => p.spendableAt <= nowMs).reduce((s, p) => s + p.points, 0);
  return figures(config, {
    balance: view.balance,
    lifetimePoints: view.lifetimePoints,
    spendable: view.spendable + settled,
    pending: view.pending.filter((p) => p.spendableAt > nowMs),
    qualifying: qualifyingBefore(view.contributions, nowMs + 1),
    tier: view.tier,
    expiring: view.expiring,
  });
}
