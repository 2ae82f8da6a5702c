import type { BusEvent } from '../functions/runtime/ports';

/**
 * EventBridge `PutEvents` request validation, as the service does it: request-level limits
 * fail the whole call with a `ValidationException`, entry-level problems fail only that entry
 * with an `ErrorCode`/`ErrorMessage` while the others go through.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */

/** Entries per request. */
export const MAX_ENTRIES = 10;
/** Total entry size per request, computed as in "Calculating PutEvents event entry size". */
export const MAX_TOTAL_ENTRY_BYTES = 256 * 1024;

/**
 * "PutEvents will only process nested JSON up to 1000 levels deep" (API reference). Deeper
 * Detail fails the entry here, so nothing the local copy accepts overflows a recursive walk
 * (structuredClone, JSON.stringify, zod) later and is lost between acceptance and delivery.
 */
export const MAX_DETAIL_DEPTH = 1000;

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'eu-north-1';

/** An error the AWS JSON 1.1 protocol returns for the whole request (`__type` + `message`). */
export class AwsProtocolError extends Error {
  override readonly name = 'AwsProtocolError';
  constructor(
    /** e.g. `ValidationException`, `SerializationException`, `UnknownOperationException` */
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

export interface PutEventsRequestEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  /** Epoch seconds (what the AWS SDKs send) or an ISO-8601 string. */
  readonly Time?: number | string;
  readonly Resources?: readonly string[];
  /** Accepted and ignored: the local copy has one bus per client. */
  readonly EventBusName?: string;
  readonly TraceHeader?: string;
}

export type PutEventsResultEntry = { readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string };

export interface PutEventsResult {
  readonly Entries: readonly PutEventsResultEntry[];
  readonly FailedEntryCount: number;
}

const STRING_FIELDS = ['Source', 'DetailType', 'Detail', 'EventBusName', 'TraceHeader'] as const;

/** Checks the request shape and limits; throws `AwsProtocolError` for what fails the whole call. */
export function parsePutEventsRequest(body: unknown): PutEventsRequestEntry[] {
  if (!isObject(body)) throw new AwsProtocolError('SerializationException', 'The request body must be a JSON object.');
  const entries = body.Entries;
  if (entries === undefined || entries === null) {
    throw new AwsProtocolError(
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(entries)) throw new AwsProtocolError('SerializationException', 'Entries must be a list.');
  if (entries.length < 1) {
    throw new AwsProtocolError(
      'ValidationException',
      "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (entries.length > MAX_ENTRIES) {
    throw new AwsProtocolError(
      'ValidationException',
      `1 validation error detected: Value '[${entries.length} entries]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
    );
  }
  entries.forEach((entry: unknown, i) => {
    if (!isObject(entry)) throw new AwsProtocolError('SerializationException', `Entries[${i}] must be an object.`);
    for (const field of STRING_FIELDS) {
      if (entry[field] !== undefined && entry[field] !== null && typeof entry[field] !== 'string') {
        throw new AwsProtocolError('SerializationException', `Entries[${i}].${field} must be a string.`);
      }
    }
    const time = entry.Time;
    if (time !== undefined && time !== null && typeof time !== 'number' && typeof time !== 'string') {
      throw new AwsProtocolError('SerializationException', `Entries[${i}].Time must be a timestamp.`);
    }
    const resources = entry.Resources;
    if (resources !== undefined && resources !== null && !(Array.isArray(resources) && resources.every((r) => typeof r === 'string'))) {
      throw new AwsProtocolError('SerializationException', `Entries[${i}].Resources must be a list of strings.`);
    }
  });
  const valid = entries as PutEventsRequestEntry[];
  // As the service does: when not one entry has Source, DetailType and Detail, the request fails as a whole.
  if (!valid.some((e) => e.Source && e.DetailType && e.Detail)) {
    throw new AwsProtocolError('ValidationException', 'No valid entry: every entry needs Source, DetailType and Detail.');
  }
  const total = valid.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (total > MAX_TOTAL_ENTRY_BYTES) {
    throw new AwsProtocolError('ValidationException', 'Total size of the entries in the request is over the limit.');
  }
  return valid;
}

/** The entry size as EventBridge counts it: Time 14 bytes, the UTF-8 bytes of Source, DetailType, Detail and each resource. */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined | null) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return (
    (entry.Time !== undefined && entry.Time !== null ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, r) => sum + bytes(r), 0)
  );
}

export interface EntryContext {
  /** Sources this publisher may use; others fail as the IAM `events:source` condition would refuse them. */
  readonly allowedSources: readonly string[];
  readonly now: Date;
  readonly newId: () => string;
  /** This bus's name (`lojal-<clientId>`): an entry naming another bus fails. Absent: any name is taken as this bus. */
  readonly busName?: string;
}

/** DetailType length limit (PutEventsRequestEntry: "Maximum length of 128"). */
export const MAX_DETAIL_TYPE_LENGTH = 128;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN = /^arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/([/.\-_A-Za-z0-9]{1,256})$/;

export type EntryOutcome =
  | { readonly accepted: true; readonly event: BusEvent }
  | { readonly accepted: false; readonly error: { readonly ErrorCode: string; readonly ErrorMessage: string } };

/** Validates one entry and turns it into the event rules and targets see. */
export function toBusEvent(entry: PutEventsRequestEntry, context: EntryContext): EntryOutcome {
  const fail = (ErrorCode: string, ErrorMessage: string): EntryOutcome => ({ accepted: false, error: { ErrorCode, ErrorMessage } });
  const required = (field: string) => fail('InvalidArgument', `Parameter ${field} is not valid. Reason: ${field} is a required argument.`);

  if (!entry.Source) return required('Source');
  if (!context.allowedSources.includes(entry.Source)) {
    return fail(
      'AccessDeniedException',
      `Not authorized to put events with Source "${entry.Source}" on this event bus: this publisher may only use ${context.allowedSources
        .map((s) => `"${s}"`)
        .join(', ')}.`,
    );
  }
  if (!entry.DetailType) return required('DetailType');
  if (entry.DetailType.length > MAX_DETAIL_TYPE_LENGTH) {
    return fail(
      'InvalidArgument',
      `Parameter DetailType is not valid. Reason: DetailType must be at most ${MAX_DETAIL_TYPE_LENGTH} characters.`,
    );
  }
  if (entry.EventBusName !== undefined && entry.EventBusName !== null && entry.EventBusName !== '') {
    const name = BUS_ARN.exec(entry.EventBusName)?.[1] ?? (BUS_NAME.test(entry.EventBusName) ? entry.EventBusName : undefined);
    if (name === undefined)
      return fail('InvalidArgument', 'Parameter EventBusName is not valid. Reason: it must be an event bus name or ARN.');
    if (context.busName !== undefined && name !== context.busName) {
      return fail('ResourceNotFoundException', `Event bus ${name} does not exist (this local copy's bus is ${context.busName}).`);
    }
  }
  if (!entry.Detail) return required('Detail');
  if (jsonDepth(entry.Detail) > MAX_DETAIL_DEPTH) {
    return fail('MalformedDetail', `Detail is malformed: nested deeper than ${MAX_DETAIL_DEPTH} levels.`);
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return fail('MalformedDetail', 'Detail is malformed.');
  }
  // EventBridge wants a JSON object; a string, number or array is malformed too.
  if (!isObject(detail)) return fail('MalformedDetail', 'Detail is malformed.');

  let time = context.now;
  if (entry.Time !== undefined && entry.Time !== null) {
    const parsed = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date(entry.Time);
    if (Number.isNaN(parsed.getTime())) return fail('InvalidArgument', 'Parameter Time is not valid.');
    time = parsed;
  }

  return {
    accepted: true,
    event: {
      version: '0',
      id: context.newId(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT,
      time: eventTime(time),
      region: LOCAL_REGION,
      resources: [...(entry.Resources ?? [])],
      detail,
    },
  };
}

/** EventBridge stamps events with whole seconds: `2017-12-22T18:43:48Z`. */
export function eventTime(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The deepest nesting of objects and arrays in a JSON text, by one loop over its characters
 * (no recursion, so any depth is measured). Brackets inside strings do not count.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
