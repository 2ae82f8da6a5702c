import { answerIdOf, type CheckinAnswer, type CheckinAnswers } from '../adapters/dynamo/checkin-answers';
import type { ProgramConfig } from '../config/program';
import type { NpsAnswered } from '../contract/lojal-events';
import { localDateAt } from '../domain/calendar';
import { npsCategory, npsCounterChanges } from '../domain/measurement/nps';
import { ConcurrentUpdateError } from '../runtime/errors';
import type { EventPublisher } from '../runtime/event-publisher';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';

export interface CheckinAnswerDeps {
  readonly checkins: CheckinAnswers;
  /** Where `nps.answered` goes; without one (a test, a tool) answers stay unannounced. */
  readonly events?: EventPublisher | undefined;
  readonly config: Pick<ProgramConfig, 'timeZone'>;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
}

/** Racing answers to the same check-in (two tabs) are retried this often before answering Busy. */
const ATTEMPTS = 3;

/**
 * Records a member's answer to an order's check-in: the answer and its NPS counters in one
 * transaction (a new score replaces the old and moves its count), then announces it as
 * `nps.answered`. Idempotent: the same score posted again writes nothing and announces nothing
 * already announced; an answer whose announcement failed goes out when it is posted again.
 */
export async function recordCheckinAnswer(
  deps: CheckinAnswerDeps,
  customerId: string,
  orderId: string,
  score: number,
): Promise<'recorded' | 'unchanged'> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const previous = await deps.checkins.get(customerId, orderId);
    if (previous?.score === score) {
      if (previous.announcedAt === undefined) await announce(deps, customerId, previous);
      return 'unchanged';
    }
    const now = deps.clock.now();
    const answeredAt = now.toISOString();
    const answer: CheckinAnswer = {
      orderId,
      score,
      answeredAt,
      answerId: answerIdOf(customerId, orderId, answeredAt),
      previousScore: previous?.score ?? null,
    };
    const date = (iso: string) => localDateAt(Date.parse(iso), deps.config.timeZone);
    const changes = npsCounterChanges(previous && { score: previous.score, date: date(previous.answeredAt) }, {
      score,
      date: date(answeredAt),
    });
    if ((await deps.checkins.replace(customerId, answer, previous, changes)) === 'committed') {
      deps.metrics.addMetric('CheckinAnswers', 'Count', 1);
      await announce(deps, customerId, answer);
      return 'recorded';
    }
  }
  throw new ConcurrentUpdateError();
}

async function announce(deps: CheckinAnswerDeps, customerId: string, answer: CheckinAnswer): Promise<void> {
  if (!deps.events) return;
  const detail: NpsAnswered = {
    idempotencyKey: answer.answerId,
    customerId,
    orderId: answer.orderId,
    score: answer.score,
    category: npsCategory(answer.score),
    answeredAt: answer.answeredAt,
    previousScore: answer.previousScore,
  };
  const { failed } = await deps.events.publish([{ detailType: 'nps.answered', detail }]);
  if (failed.length > 0) {
    // The answer is recorded and counted; only its announcement waits for the answer to be posted again.
    deps.logger.warn('nps.answered was refused by the bus; it goes out when the answer is posted again', {
      errorCode: failed[0]?.errorCode,
    });
    return;
  }
  await deps.checkins.markAnnounced(customerId, answer, deps.clock.now());
}
