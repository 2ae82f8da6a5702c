import * as z from 'zod/mini';

/** Longest id the API accepts in a path, the same bound the events put on ids (functions/contract/events.ts). */
export const MAX_ID_LENGTH = 200;

/** Any C0 or C1 control character (U+0000–U+001F, U+007F–U+009F). */
const CONTROL = /\p{Cc}/u;

/**
 * An id as a path or query parameter, already percent-decoded: 1 to 200 characters, well-formed
 * Unicode (a lone surrogate would become U+FFFD on the way to DynamoDB and name another member),
 * and no control characters (they have no place in an id and would end up in keys and logs).
 */
export const PathIdSchema = z.string().check(
  z.minLength(1, 'must not be empty'),
  z.maxLength(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`),
  z.refine((id) => id.isWellFormed(), 'must be well-formed Unicode (no lone surrogates)'),
  z.refine((id) => !CONTROL.test(id), 'must not contain control characters'),
);
