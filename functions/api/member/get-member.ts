import { calendarEntriesOf, localDateAt, perksHeld } from '../../domain/calendar';
import { challengeStatus, scoringWindow } from '../../domain/challenges';
import { memberDisplayNames } from '../../domain/email/display-names';
import { groupOf } from '../../domain/measurement/groups';
import { figuresNow } from '../../app/member-figures';
import { NotFoundError } from '../../runtime/errors';
import type { Operation } from '../router';
import type { MemberApiContext } from './context';

/** `GET /v1/members/{customerId}`: balance, tier, perks, the B2B pool and the member's challenges. */
export function getMember({ deps, ledger, profiles }: MemberApiContext): Operation<'customerId'> {
  return async ({ params: { customerId }, event }) => {
    const now = deps.clock.now().getTime();
    const [state, stored] = await Promise.all([ledger.readState(customerId), profiles.get(customerId, false)]);
    if (!state && !stored) throw new NotFoundError(`no member ${customerId}`);
    const figures = await figuresNow(deps.config, ledger, customerId, state, now);
    // Tenure perks from the registration's local date, as of the client's local today (the
    // day the calendar job emits `perk.earned`); a deleted member holds none.
    const anniversary = calendarEntriesOf(stored?.profile, deps.config.timeZone).find((e) => e.kind === 'anniversary');
    const perks = perksHeld(anniversary?.date, localDateAt(now, deps.config.timeZone), deps.config.perks);
    // B2B pooling: the account the member is in now, as the ledger's account facts say (the
    // profile's without pooling), and its pool, all members' contributions together.
    const pooling = deps.config.accounts.pooling === 'pool';
    const accountId = (pooling ? state?.accountId : undefined) ?? stored?.profile.values.accountId;
    const pool = pooling && accountId !== undefined ? await ledger.readAccount(accountId, false) : undefined;
    const account =
      pooling && accountId !== undefined ? { accountId, pooledPoints: pool?.pooledPoints ?? 0, members: pool?.members ?? [] } : undefined;
    return {
      customerId,
      ...figures,
      accountId: accountId ?? null,
      // The measurement group (docs/measurement.md): `control` members earn no points and get no marketing mail.
      group: groupOf(deps.config, customerId),
      ...(account ? { account } : {}),
      perks,
      // Consent as Lojal applies it: an opt-out it recorded stays until an explicit newer opt-in.
      marketingConsent: stored?.profile.values.marketingConsent === true,
      unsubscribedAt: stored?.profile.unsubscribedAt !== undefined ? new Date(stored.profile.unsubscribedAt).toISOString() : null,
      // ?locale=sv: the tier and perks as the client file names them in that language (docs/messages.md).
      ...(displayLocale(event.queryStringParameters?.locale)
        ? {
            names: memberDisplayNames(
              deps.config,
              displayLocale(event.queryStringParameters?.locale) ?? '',
              figures.tier,
              perks.map((p) => p.id),
            ),
          }
        : {}),
      // The challenges the member takes part in, with the score their leaderboard shows.
      challenges: deps.config.challenges
        .filter((c) => {
          const joinedAt = state?.joinedAt;
          const membership = { ...(joinedAt ? { joinedAt: Date.parse(joinedAt) } : {}), deleted: state?.leftAt !== undefined };
          return scoringWindow(c, membership) !== null || (state?.challengeScores?.[c.id] ?? 0) > 0;
        })
        .map((c) => ({
          challengeId: c.id,
          name: c.name,
          status: challengeStatus(c, deps.config, now),
          score: state?.challengeScores?.[c.id] ?? 0,
        })),
    };
  };
}

/** The `locale` query parameter when it is a language tag such as `sv` or `nb-NO`. */
function displayLocale(locale: string | undefined): string | undefined {
  return locale !== undefined && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale) ? locale : undefined;
}
