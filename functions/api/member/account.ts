import { NotFoundError } from '../../runtime/errors';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';

/** `GET /v1/accounts/{accountId}`: the pool of a B2B account; 404 unless pooling is on and a member has contributed. */
export function getAccount({ deps, ledger }: MemberApiContext): Operation<'accountId'> {
  return async ({ params: { accountId } }) => {
    const account = deps.config.accounts.pooling === 'pool' ? await ledger.readAccount(accountId, false) : undefined;
    if (!account) throw new NotFoundError(`no account ${accountId}`);
    return account;
  };
}
