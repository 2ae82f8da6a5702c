import * as z from 'zod/mini';

/** `?limit=&cursor=` of a paged list: 1 to 100 items a page (`fallback` when absent), and a cursor the list itself issued. */
export const pageQuery = (fallback: number) =>
  z.object({
    limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), fallback),
    cursor: z.optional(z.string().check(z.maxLength(2000))),
  });
