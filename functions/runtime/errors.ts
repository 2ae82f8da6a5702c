/** A zod issue path as a dotted field name, e.g. `lines[0].unitPrice`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '[') || '(root)'
  );
}

/**
 * Bad input: never retried, writes nothing, goes to the dead-letter queue. `field` names the
 * first offending field as a dotted path (e.g. `lines[0].unitPrice`).
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }

  static fromZod(
    error: { readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[] },
    prefix = 'detail',
  ): ValidationError {
    const issue = error.issues[0];
    const path = issue ? formatPath(issue.path) : '(root)';
    const field = path === '(root)' ? prefix : `${prefix}.${path}`;
    return new ValidationError(field, issue?.message ?? 'is invalid');
  }
}

/** A write lost an optimistic-concurrency race; the caller re-reads and tries again. */
export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
}

/** The member does not exist (HTTP 404). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The request conflicts with the current state, e.g. an insufficient balance (HTTP 409). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
