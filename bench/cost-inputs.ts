import type { MeasuredCosts, UnitCost } from './cost-model';
import type { EmailBenchResult } from './emails';
import type { FlowBenchResult } from './flows';
import type { HistoryBenchResult } from './history';
import type { PointsBenchResult } from './points';
import type { TimelineBenchResult } from './timeline';

/** The parts of one run the cost model reads. */
export interface RunFigures {
  readonly points: PointsBenchResult;
  /** Absent when the history part did not run: the state and entry sizes fall back to `FALLBACK_BYTES`. */
  readonly history: HistoryBenchResult | undefined;
  readonly timeline: TimelineBenchResult;
  readonly flows: FlowBenchResult;
  readonly emails: EmailBenchResult;
}

/** A state item and an entry of a short history, and a timeline item, when the history part did not run. */
const FALLBACK_BYTES = { state: 1_000, entry: 600, timelineItem: 500 };
/** Lambda memory of the handlers (lib/lojal-function.ts). */
const MEMORY_MB = 512;
/** The orders a member has after a year at the model's activity: about four. */
const ORDERS_A_YEAR = 4;

/**
 * The measured unit costs of one run. The Lambda times are the local handlers' times under
 * load against DynamoDB Local, which answers slower than DynamoDB: an upper bound.
 */
export function measuredCosts(run: RunFigures): MeasuredCosts {
  const none: UnitCost = { readUnits: 0, writeUnits: 0, lambdaInvocations: 0, lambdaMs: 0, events: 0, sqsRequests: 0, mails: 0 };
  const { points, timeline, flows, emails } = run;
  const order: UnitCost = {
    ...none,
    readUnits: points.returning.readUnits,
    writeUnits: points.returning.writeUnits,
    lambdaInvocations: 1,
    // Mean time per order with `concurrency` in flight.
    lambdaMs: (points.concurrency * 1000) / points.returning.perSecond,
    // The webshop's order.placed on the bus, and Lojal's announcement of the points.
    events: 2,
  };
  const mail: UnitCost = {
    ...none,
    readUnits: emails.dynamo.readUnitsPerEmail,
    writeUnits: emails.dynamo.writeUnitsPerEmail,
    lambdaInvocations: emails.assumptions.invocationsPer1000 / 1000,
    lambdaMs: emails.handlerMs.mean + emails.senderMs.mean,
    sqsRequests: emails.assumptions.sqsRequestsPer1000 / 1000,
    mails: 1,
  };
  const sweepItem: UnitCost = {
    ...none,
    readUnits: timeline.sweep.readUnitsPerEmitted,
    writeUnits: timeline.sweep.writeUnitsPerEmitted,
    // The sweeper is a scheduled job (its invocations are in the fixed load); its time per item is.
    lambdaMs: 1000 / timeline.sweep.emittedPerSecond,
    events: 1,
  };
  const flowStep: UnitCost = {
    ...none,
    readUnits: flows.wake.readUnitsPerStep,
    writeUnits: flows.wake.writeUnitsPerStep,
    lambdaInvocations: 1,
    lambdaMs: flows.wake.msPerStep,
    // flow.step.due from the sweeper, and the step's own action event.
    events: 2,
  };
  const short = run.history?.sizes[0];
  const bytes = {
    state: short?.stateItemBytes ?? FALLBACK_BYTES.state,
    entry: short?.largestEntryBytes ?? FALLBACK_BYTES.entry,
    timelineItem: FALLBACK_BYTES.timelineItem,
  };
  return {
    order,
    mail,
    sweepItem,
    flowStep,
    // A year's orders, each an entry with a check-in and a reminder, and the state.
    bytesPerMember: bytes.state + ORDERS_A_YEAR * (bytes.entry + 2 * bytes.timelineItem),
    memoryMb: MEMORY_MB,
  };
}
