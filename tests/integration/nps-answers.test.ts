import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { NpsAnsweredSchema } from '../../functions/contract/lojal-events';
import type { ProgramReport } from '../../functions/domain/measurement/report';
import { apiRequest } from '../support/api';
import { mailTestbed } from '../support/mail';

type Testbed = Awaited<ReturnType<typeof mailTestbed>>;

const post = async (bed: Testbed, url: string) => {
  const { pathname, searchParams } = new URL(url);
  const result = (await bed.api(apiRequest('POST', pathname, Object.fromEntries(searchParams)))) as APIGatewayProxyStructuredResultV2;
  return result.statusCode;
};

const report = async (bed: Testbed, query: Record<string, string> = {}) => {
  const result = (await bed.api(apiRequest('GET', '/v1/program/report', query))) as APIGatewayProxyStructuredResultV2;
  return JSON.parse(String(result.body)) as ProgramReport;
};

const npsEvents = (bed: Testbed) =>
  bed.published.filter((e) => e.detailType === 'nps.answered').map((e) => NpsAnsweredSchema.parse(e.detail));

describe('Check-in answers close the NPS loop', () => {
  it('each answer is counted once and announced once as nps.answered; a changed answer moves its count', async () => {
    // Prepare: three members answer their check-ins on 10 March, one changes her mind on 12 March.
    const bed = await mailTestbed({ start: '2027-03-10T10:00:00Z' });

    // Act
    expect(await post(bed, bed.links.checkinAnswerUrl('a', 'o1', 10))).toBe(200);
    expect(await post(bed, bed.links.checkinAnswerUrl('b', 'o2', 9))).toBe(200);
    expect(await post(bed, bed.links.checkinAnswerUrl('c', 'o3', 8))).toBe(200);
    // The same answer posted again (a second click) records and announces nothing new.
    expect(await post(bed, bed.links.checkinAnswerUrl('a', 'o1', 10))).toBe(200);
    const march10 = await report(bed);
    bed.clock.set('2027-03-12T10:00:00Z');
    expect(await post(bed, bed.links.checkinAnswerUrl('b', 'o2', 2))).toBe(200);

    // Assess: the distribution and score per period, from the counters written with each answer.
    expect(march10.nps.distribution).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(march10.nps.score).toBe(67);
    const after = await report(bed);
    expect(after.nps.distribution).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1]);
    expect(after.nps.score).toBe(0);
    expect(after.nps.monthly).toEqual([{ month: '2027-03', distribution: after.nps.distribution, score: 0, answers: 3 }]);
    // The 10th alone: a's promoter and c's passive; b's answer now counts on the 12th.
    expect((await report(bed, { from: '2027-03-10', to: '2027-03-10' })).nps.distribution).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);

    const events = npsEvents(bed);
    expect(events.map((e) => [e.customerId, e.score, e.category, e.previousScore])).toEqual([
      ['a', 10, 'promoter', null],
      ['b', 9, 'promoter', null],
      ['c', 8, 'passive', null],
      ['b', 2, 'detractor', 9],
    ]);
    expect(new Set(events.map((e) => e.idempotencyKey)).size).toBe(4);
    expect(events[3]?.idempotencyKey).toBe('nps:b:o2:2027-03-12T10:00:00.000Z');
  });

  it('an answer the bus refused is counted at once and announced when it is posted again', async () => {
    const bed = await mailTestbed({ start: '2027-03-10T10:00:00Z' });
    let refuse = true;
    const publish = bed.deps.events.publish;
    bed.deps.events.publish = async (batch) =>
      refuse ? { failed: batch.map((event) => ({ event, errorCode: 'ThrottlingException' })) } : publish(batch);

    expect(await post(bed, bed.links.checkinAnswerUrl('d', 'o4', 6))).toBe(200);
    expect(npsEvents(bed)).toEqual([]);
    expect((await report(bed)).nps.distribution[6]).toBe(1);

    refuse = false;
    expect(await post(bed, bed.links.checkinAnswerUrl('d', 'o4', 6))).toBe(200);
    expect(await post(bed, bed.links.checkinAnswerUrl('d', 'o4', 6))).toBe(200);
    expect(npsEvents(bed).map((e) => [e.customerId, e.score])).toEqual([['d', 6]]);
    expect((await report(bed)).nps.answers).toBe(1);
  });
});
