import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { apiRequest } from '../support/api';
import { busEvent } from '../support/deps';
import { addressFor, mailTestbed, TEST_LINK_BASE } from '../support/mail';

type Testbed = Awaited<ReturnType<typeof mailTestbed>>;

const call = async (bed: Testbed, method: string, url: string) => {
  const { pathname, searchParams } = new URL(url);
  const result = (await bed.api(apiRequest(method, pathname, Object.fromEntries(searchParams)))) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: String(result.body ?? '') };
};

/** Counts the DynamoDB commands the testbed's client sends from now on. */
function countCommands(bed: Testbed): () => string[] {
  const sent: string[] = [];
  bed.table.doc.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: `count-${Math.random()}` },
  );
  return () => [...sent];
}

describe('Public link routes under abuse', () => {
  it('answer a bad, borrowed or malformed token with 403 without reading the table, in the client language', async () => {
    // Prepare: a member whose own locale (en) differs from the client's default (sv).
    const bed = await mailTestbed();
    await bed.handlers['customer-registered'](
      busEvent('customer.registered', {
        customerId: 'victim',
        email: addressFor('victim'),
        registeredAt: bed.clock.now().toISOString(),
        locale: 'en',
        marketingConsent: true,
      }),
    );
    const borrowed = bed.links.unsubscribeUrl('attacker').replace('/members/attacker/', '/members/victim/');
    const checkin = bed.links.checkinAnswerUrl('victim', 'o1', 9);
    const urls = [
      borrowed,
      `${TEST_LINK_BASE}/v1/members/victim/unsubscribe?t=${'A'.repeat(22)}`,
      `${TEST_LINK_BASE}/v1/members/victim/unsubscribe?t=1.${'A'.repeat(22)}`,
      `${TEST_LINK_BASE}/v1/members/victim/unsubscribe`,
      checkin.replace('score=9', 'score=0'),
    ];
    const sent = countCommands(bed);

    // Act
    const answers = [];
    for (const url of urls) for (const method of ['GET', 'POST']) answers.push(await call(bed, method, url));

    // Assess
    expect(answers.map((a) => a.status)).toEqual(urls.flatMap(() => [403, 403]));
    expect(sent()).toEqual([]);
    // The page does not reveal the member's locale.
    const valid = await call(bed, 'GET', bed.links.unsubscribeUrl('victim'));
    expect(valid.status).toBe(200);
    for (const answer of answers) expect(answer.body).not.toEqual(expect.stringContaining('lang="en"'));
  });

  it('records the score its token signed, and only that one', async () => {
    const bed = await mailTestbed();
    const nine = bed.links.checkinAnswerUrl('c1', 'o1', 9);
    expect((await call(bed, 'POST', nine)).status).toBe(200);
    expect((await call(bed, 'POST', nine.replace('score=9', 'score=10'))).status).toBe(403);
  });
});
