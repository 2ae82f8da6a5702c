import * as z from 'zod/mini';
import { AudienceStore } from '../adapters/dynamo/audience-store';
import { FlowStore } from '../adapters/dynamo/flow-store';
import { LedgerStore } from '../adapters/dynamo/ledger-store';
import { ProfileStore } from '../adapters/dynamo/profile-store';
import { LedgerCache } from '../app/ledger-cache';
import { type FlowDeps, onBroadcastDue, onBroadcastSlice, onDateDue, onFlowAction, onFlowEvent, onFlowWake } from '../app/run-flows';
import { LOJAL_SOURCE, WEBSHOP_EVENTS } from '../contract/events';
import {
  FlowActionDueSchema,
  FlowBroadcastDueSchema,
  FlowBroadcastSliceSchema,
  FlowDateDueSchema,
  FlowStepDueSchema,
} from '../contract/lojal-events';
import { attributeIssue } from '../domain/attributes';
import { ValidationError } from '../runtime/errors';
import { busEventHandler } from '../runtime/event-handler';
import type { EventPublisher } from '../runtime/event-publisher';
import type { BusEvent, DeadLetterSink, LojalDeps } from '../runtime/ports';
import type { EmailPorts } from './email-handlers';

/** What the flows handler needs: a `HandlerDeps` (registry.ts) has it all. */
export interface FlowsHandlerDeps extends LojalDeps {
  readonly deadLetters: DeadLetterSink;
  /** The mail queue, for `email` steps. */
  readonly email?: EmailPorts | undefined;
  /** The bus, for `emit` steps. */
  readonly events?: EventPublisher | undefined;
}

/** Any event a flow hears names its member, but a broadcast's (checked with their own schemas below). */
const MemberEventSchema = z.looseObject({ customerId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))) });

/**
 * The `flows` route (functions/handlers/flow-routes.ts): every event some flow listens to, and
 * the engine's wake-ups and recovered actions from the sweeper. A webshop event is checked with
 * its own schema first, so a malformed order that its points handler rejects never starts a run.
 */
export function createFlowsHandler(deps: FlowsHandlerDeps): (event: BusEvent) => Promise<void> {
  const ledger = new LedgerStore(deps.dynamo, deps.tableName);
  const flowDeps: FlowDeps = {
    config: deps.config,
    flows: new FlowStore(deps.dynamo, deps.tableName),
    members: new AudienceStore(deps.dynamo, deps.tableName),
    ledger,
    profiles: new ProfileStore(deps.dynamo, deps.tableName),
    ledgerDeps: { ...deps, ledger, cache: new LedgerCache(() => Date.now()) },
    queue: deps.email?.queue,
    publisher: deps.events,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
  };
  return busEventHandler(deps, MemberEventSchema, async (detail, event) => {
    const detailType = event['detail-type'];
    if (event.source === LOJAL_SOURCE && detailType === 'flow.step.due') {
      const wake = parse(FlowStepDueSchema, detail);
      const report = await onFlowWake(flowDeps, wake);
      return report.committed > 0 ? 'applied' : 'duplicate';
    }
    if (event.source === LOJAL_SOURCE && detailType === 'flow.broadcast.due') {
      return (await onBroadcastDue(flowDeps, parse(FlowBroadcastDueSchema, detail))) > 0 ? 'applied' : 'ignored';
    }
    if (event.source === LOJAL_SOURCE && detailType === 'flow.broadcast.slice') {
      const report = await onBroadcastSlice(flowDeps, parse(FlowBroadcastSliceSchema, detail));
      return report.committed > 0 ? 'applied' : 'duplicate';
    }
    if (event.source === LOJAL_SOURCE && detailType === 'flow.date.due') {
      const report = await onDateDue(flowDeps, parse(FlowDateDueSchema, detail));
      return report.committed > 0 ? 'applied' : 'duplicate';
    }
    if (event.source === LOJAL_SOURCE && detailType === 'flow.action.due') {
      await onFlowAction(flowDeps, parse(FlowActionDueSchema, detail));
      return 'applied';
    }
    // A malformed webshop event is its own handler's to reject and dead-letter (every webshop
    // DetailType has one): here it is only not heard, so the operator sees it once.
    const schema = event.source === LOJAL_SOURCE ? undefined : WEBSHOP_EVENTS[detailType as keyof typeof WEBSHOP_EVENTS];
    const checked = schema ? z.safeParse(schema, detail) : undefined;
    if (checked && !checked.success) return 'ignored';
    // So is one whose member attributes the client did not declare or typed otherwise.
    if (checked && attributeIssue(deps.config.attributes, (checked.data as { attributes?: Record<string, unknown> }).attributes ?? {}))
      return 'ignored';
    const valid = checked ? (checked.data as Record<string, unknown>) : detail;
    if (detail.customerId === undefined) throw new ValidationError('detail.customerId', 'is required');
    const report = await onFlowEvent(flowDeps, detail.customerId, { id: event.id, detailType, detail: valid, time: event.time });
    return report.committed > 0 ? 'applied' : 'ignored';
  });
}

function parse<S extends z.ZodMiniType>(schema: S, detail: unknown): z.output<S> {
  const parsed = z.safeParse(schema, detail);
  if (!parsed.success) throw ValidationError.fromZod(parsed.error);
  return parsed.data;
}
