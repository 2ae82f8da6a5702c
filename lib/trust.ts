import { AccountPrincipal, ArnPrincipal, type IPrincipal } from 'aws-cdk-lib/aws-iam';

/**
 * Who, outside the stack's own account, may assume the roles the webshop uses: the publisher
 * role (PutEvents, which mints points) and the member API's caller role (which reads members and
 * spends their points). Read from `cdk synth -c …` by bin/app.ts:
 *
 * - `publisherAccount`: a 12-digit account id or an IAM role ARN; `publisherExternalId`.
 * - `memberApiCallerAccount`, `memberApiCallerExternalId`: the same for the caller role.
 *   @default the publisher's principal and external id, for a webshop that does both with one identity
 *
 * A whole foreign account is trusted only with an external id, so a third party that runs the
 * webshop for several shops cannot be tricked into using this shop's role (the confused deputy);
 * a role ARN names one identity, so its external id is optional.
 */
export interface CrossAccountTrust {
  /** @default undefined: this stack's own account */
  readonly publisherPrincipal?: IPrincipal;
  readonly publisherExternalId?: string;
  /** @default undefined: the publisher's principal, or this stack's own account */
  readonly callerPrincipal?: IPrincipal;
  readonly callerExternalId?: string;
}

/** A trust setting that is malformed or unsafe, e.g. a foreign account without an external id. */
export class InvalidTrustContextError extends Error {
  override readonly name = 'InvalidTrustContextError';
}

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** What IAM accepts for sts:ExternalId: 2 to 1224 characters of these. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/**
 * The trust `context` (a `cdk synth -c` reader) asks for, or an `InvalidTrustContextError` naming
 * the context key and what to pass instead.
 */
export function trustFromContext(context: (key: string) => string | undefined): CrossAccountTrust {
  const publisher = principalFrom(context, 'publisherAccount', 'publisherExternalId');
  const caller = principalFrom(context, 'memberApiCallerAccount', 'memberApiCallerExternalId');
  if (caller.principal === undefined && caller.externalId !== undefined) {
    throw new InvalidTrustContextError(
      'Context memberApiCallerExternalId needs memberApiCallerAccount: without it the caller role trusts the publisher, with publisherExternalId.',
    );
  }
  return {
    ...(publisher.principal ? { publisherPrincipal: publisher.principal } : {}),
    ...(publisher.externalId !== undefined ? { publisherExternalId: publisher.externalId } : {}),
    // Unset, the caller is the publisher, with the publisher's external id.
    ...(caller.principal
      ? { callerPrincipal: caller.principal, ...(caller.externalId !== undefined ? { callerExternalId: caller.externalId } : {}) }
      : {}),
  };
}

function principalFrom(
  context: (key: string) => string | undefined,
  accountKey: string,
  externalIdKey: string,
): { principal?: IPrincipal; externalId?: string } {
  const who = context(accountKey);
  const externalId = context(externalIdKey);
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw new InvalidTrustContextError(
      `Context ${externalIdKey} must be 2 to 1224 letters, digits or any of + = , . @ : / - _ (what IAM accepts as an external id).`,
    );
  }
  if (who === undefined) return externalId === undefined ? {} : { externalId };
  if (ROLE_ARN.test(who)) return { principal: new ArnPrincipal(who), ...(externalId !== undefined ? { externalId } : {}) };
  if (!ACCOUNT_ID.test(who)) {
    throw new InvalidTrustContextError(
      `Context ${accountKey} must be a 12-digit AWS account id or an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "${who}".`,
    );
  }
  if (externalId === undefined) {
    throw new InvalidTrustContextError(
      `Context ${accountKey}=${who} trusts a whole AWS account, so it needs -c ${externalIdKey}=<id> (an id the webshop's operator gives you, ` +
        `which their role must present), or name one role instead: -c ${accountKey}=arn:aws:iam::${who}:role/<name>.`,
    );
  }
  return { principal: new AccountPrincipal(who), externalId };
}
