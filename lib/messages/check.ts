import { WEBSHOP_EVENTS } from '../../functions/contract/events';
import {
  ChallengeCompletedSchema,
  FlowBroadcastSchema,
  FlowDateSchema,
  NpsAnsweredSchema,
  CheckinDueSchema,
  CustomerAnniversarySchema,
  CustomerBirthdaySchema,
  PerkEarnedSchema,
  PointsExpiringSchema,
  ProductAgedSchema,
  RewardEarnedSchema,
  TierChangedSchema,
  TierExpiringSchema,
} from '../../functions/contract/lojal-events';
import type { CompiledMessage, InlinePart, MessageBlock } from '../../functions/domain/email/message';
import { COMMON_VARIABLES, type MessageVariables, type VariableType } from '../../functions/domain/email/preset-scope';

/**
 * Checks a compiled message against the variables its trigger provides: every `{{variable}}`
 * exists, `{{#each}}` walks a list, every link is https or a Lojal link (a url variable such
 * as `links.unsubscribe`), every block is one the trigger can fill, and the subject fits one
 * line. Returns the problems; `loadMessages` turns them into one error naming file, locale
 * and variable.
 */

/** Characters a variable is reckoned at when a subject's length is bounded (a product name, a brand). */
const VARIABLE_ALLOWANCE = 12;

/** The length of a subject's longest branch, each variable reckoned at `VARIABLE_ALLOWANCE`. */
function subjectLength(parts: readonly InlinePart[]): number {
  let n = 0;
  for (const part of parts) {
    if (typeof part === 'string') n += part.length;
    else if (part[0] === 'v') n += VARIABLE_ALLOWANCE;
    else if (part[0] === 'if' || part[0] === 'unless') n += Math.max(subjectLength(part[2]), subjectLength(part[3]));
    else if (part[0] === 'a') n += subjectLength(part[2]);
    else if (part[0] === 'b' || part[0] === 'i') n += subjectLength(part[1]);
  }
  return n;
}

/** A subject longer than this is cut off by every inbox list view; past it, it is a paragraph. */
export const MAX_SUBJECT_LENGTH = 120;

export interface MessageProblem {
  /** The variable at fault, when one is. */
  readonly variable?: string;
  readonly reason: string;
}

/** The events a message only a flow sends may name as its `trigger:`; their detail is `{{event.…}}`. */
export const TRIGGER_SCHEMAS: Readonly<Record<string, unknown>> = {
  ...WEBSHOP_EVENTS,
  'checkin.due': CheckinDueSchema,
  'product.aged': ProductAgedSchema,
  'customer.anniversary': CustomerAnniversarySchema,
  'customer.birthday': CustomerBirthdaySchema,
  'perk.earned': PerkEarnedSchema,
  'tier.changed': TierChangedSchema,
  'tier.expiring': TierExpiringSchema,
  'reward.earned': RewardEarnedSchema,
  'points.expiring': PointsExpiringSchema,
  'challenge.completed': ChallengeCompletedSchema,
  'nps.answered': NpsAnsweredSchema,
  'flow.broadcast': FlowBroadcastSchema,
  'flow.date': FlowDateSchema,
};

interface ZodDef {
  readonly type: string;
  readonly shape?: Readonly<Record<string, unknown>>;
  readonly element?: unknown;
  readonly innerType?: unknown;
  readonly in?: unknown;
}

function defOf(schema: unknown): ZodDef | undefined {
  if (typeof schema !== 'object' || schema === null || !('_zod' in schema)) return undefined;
  const internals: unknown = schema._zod;
  if (typeof internals !== 'object' || internals === null || !('def' in internals)) return undefined;
  const def: unknown = internals.def;
  return typeof def === 'object' && def !== null && 'type' in def && typeof def.type === 'string' ? (def as ZodDef) : undefined;
}

/**
 * The `{{event.…}}` variables of a trigger, read off its zod schema (zod v4 exposes a schema's
 * definition as `_zod.def`): objects give dotted names, arrays of objects give lists.
 */
export function triggerVariables(trigger: string): MessageVariables | undefined {
  const schema = TRIGGER_SCHEMAS[trigger];
  if (schema === undefined) return undefined;
  const variables: Record<string, VariableType> = {};
  const walk = (s: unknown, path: string): void => {
    const def = defOf(s);
    if (!def) return;
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') {
      walk(def.innerType, path);
      return;
    }
    if (def.type === 'pipe') {
      walk(def.in, path);
      return;
    }
    if (def.type === 'object' && def.shape) {
      for (const [key, field] of Object.entries(def.shape)) walk(field, path ? `${path}.${key}` : key);
      return;
    }
    if (def.type === 'array') {
      const fields: Record<string, 'text'> = {};
      const element = defOf(def.element);
      if (element?.type === 'object' && element.shape) for (const key of Object.keys(element.shape)) fields[key] = 'text';
      else fields.value = 'text';
      variables[path] = { items: fields };
      return;
    }
    variables[path] = 'text';
  };
  walk(schema, 'event');
  return { variables, blocks: [] };
}

/** Every problem of one message, given what its trigger provides. */
export function checkMessage(message: CompiledMessage, subjectSource: string, provided: MessageVariables): MessageProblem[] {
  const problems: MessageProblem[] = [];
  const all: Record<string, VariableType> = { ...COMMON_VARIABLES, ...provided.variables };
  const longest = subjectLength(message.subject);
  if (longest > MAX_SUBJECT_LENGTH)
    problems.push({ reason: `the subject runs to about ${longest} characters; at most ${MAX_SUBJECT_LENGTH} fit one line` });
  if (/[\r\n]/.test(subjectSource)) problems.push({ reason: 'the subject must be one line' });

  const lookup = (path: string, scope: Readonly<Record<string, VariableType>>): VariableType | undefined => scope[path];
  const inline = (parts: readonly InlinePart[], scope: Readonly<Record<string, VariableType>>): void => {
    for (const part of parts) {
      if (typeof part === 'string') continue;
      switch (part[0]) {
        case 'v': {
          const type = lookup(part[1], scope);
          if (type === undefined)
            problems.push({
              variable: part[1],
              reason: `unknown variable {{${part[1]}}}; this message has ${Object.keys(scope).sort().join(', ')}`,
            });
          else if (typeof type === 'object')
            problems.push({ variable: part[1], reason: `{{${part[1]}}} is a list: use it in {{#each ${part[1]} as item}}` });
          break;
        }
        case 'b':
        case 'i':
          inline(part[1], scope);
          break;
        case 'a':
          link(part[1], scope);
          inline(part[2], scope);
          break;
        case 'if':
        case 'unless':
          if (lookup(part[1], scope) === undefined)
            problems.push({ variable: part[1], reason: `unknown variable {{#${part[0]} ${part[1]}}}` });
          inline(part[2], scope);
          inline(part[3], scope);
          break;
      }
    }
  };
  const link = (href: readonly InlinePart[], scope: Readonly<Record<string, VariableType>>): void => {
    const [only, ...more] = href;
    if (more.length === 0 && typeof only === 'string') {
      if (!/^https:\/\/[^\s"<>]+$/.test(only))
        problems.push({ reason: `the link "${only}" must be https:// or a Lojal link such as {{links.unsubscribe}}` });
      return;
    }
    if (more.length === 0 && only !== undefined && only[0] === 'v') {
      const type = lookup(only[1], scope);
      if (type !== 'url')
        problems.push({
          variable: only[1],
          reason: `{{${only[1]}}} is not a link; links are https:// addresses or url variables (${urlVariables(scope)})`,
        });
      return;
    }
    problems.push({ reason: 'a link must be one https:// address or one url variable' });
  };
  const blocks = (list: readonly MessageBlock[], scope: Readonly<Record<string, VariableType>>): void => {
    for (const block of list) {
      switch (block[0]) {
        case 'p':
        case 'h':
          inline(block[1], scope);
          break;
        case 'ul':
          for (const item of block[1]) inline(item, scope);
          break;
        case 'button':
          inline(block[1], scope);
          link(block[2], scope);
          break;
        case 'products':
        case 'points':
        case 'nps':
          if (!provided.blocks.includes(block[0]))
            problems.push({
              reason: `the ${block[0]} block needs a trigger that has ${block[0] === 'nps' ? 'answer links' : block[0]}; this one has ${provided.blocks.join(', ') || 'none'}`,
            });
          if (block[0] === 'points') inline(block[1], scope);
          if (block[0] === 'nps') {
            inline(block[1], scope);
            inline(block[2], scope);
          }
          break;
        case 'if':
        case 'unless':
          if (lookup(block[1], scope) === undefined)
            problems.push({ variable: block[1], reason: `unknown variable {{#${block[0]} ${block[1]}}}` });
          blocks(block[2], scope);
          blocks(block[3], scope);
          break;
        case 'each': {
          const type = lookup(block[1], scope);
          if (typeof type !== 'object') {
            problems.push({
              variable: block[1],
              reason: type === undefined ? `unknown list {{#each ${block[1]}}}` : `{{${block[1]}}} is not a list`,
            });
            break;
          }
          const inner: Record<string, VariableType> = { ...scope };
          for (const [field, t] of Object.entries(type.items)) inner[`${block[2]}.${field}`] = t;
          blocks(block[3], inner);
          break;
        }
      }
    }
  };
  inline(message.subject, all);
  inline(message.preheader, all);
  blocks(message.body, all);
  return problems;
}

function urlVariables(scope: Readonly<Record<string, VariableType>>): string {
  return Object.entries(scope)
    .filter(([, t]) => t === 'url')
    .map(([k]) => `{{${k}}}`)
    .join(', ');
}
