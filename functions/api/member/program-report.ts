import * as z from 'zod/mini';
import { readProgramReport } from '../../app/program-report';
import { ValidationError } from '../../runtime/errors';
import { parseQuery } from '../http';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';

const localDate = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD'));

const ReportQuerySchema = z.object({
  from: z.optional(localDate),
  to: z.optional(localDate),
  /** The relative lift the sample sizes are for. */
  effect: z._default(z.coerce.number().check(z.gt(0), z.lte(10)), 0.1),
});

/**
 * `GET /v1/program/report?from=&to=&effect=` (the shop's credentials, like every non-public
 * route): the program report (docs/measurement.md) from the report counters, the same figures
 * `npm run report` prints. Reads counter items only, one Query per shard and space, whatever the
 * number of members.
 */
export function getProgramReport({ deps, reportCounters }: MemberApiContext): Operation<never> {
  return async ({ event }) => {
    const query = parseQuery(ReportQuerySchema, event);
    if (query.from !== undefined && query.to !== undefined && query.from > query.to)
      throw new ValidationError('query.from', 'must not be after query.to');
    return readProgramReport(reportCounters, deps.config, {
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      effect: query.effect,
    });
  };
}
