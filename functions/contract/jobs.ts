/**
 * Lojal's scheduled jobs: each has a Lambda entry `functions/lambda/<name>.ts`, a schedule in
 * the CDK stack (lib/lojal-stack.ts) and a registration with the local clock (local/jobs.ts).
 * Unlike route handlers they are not driven by bus events: a failed run is simply done again
 * by the next one, so they need no dead-letter or on-failure queue.
 */
export const JOB_NAMES = ['timeline-sweeper', 'calendar-daily', 'ledger-sweeper', 'challenge-results'] as const;
export type JobName = (typeof JOB_NAMES)[number];
