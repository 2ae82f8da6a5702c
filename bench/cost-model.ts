/**
 * A monthly AWS bill from measured figures: pure arithmetic, no I/O, tested in
 * tests/unit/cost-model.test.ts. The benchmark measures what one order, one mail, one swept
 * timeline item and one flow step cost in DynamoDB request units and Lambda time; this module
 * multiplies them by a shop's activity and by list prices.
 */

/** List prices in US dollars, without free tiers. */
export interface PriceList {
  readonly region: string;
  /** When the prices were taken from the services' pricing pages. */
  readonly asOf: string;
  /** DynamoDB on demand, standard table class. */
  readonly dynamoPerMillionWriteUnits: number;
  readonly dynamoPerMillionReadUnits: number;
  readonly dynamoPerGbMonth: number;
  /** Lambda on arm64 (Graviton), first tier. */
  readonly lambdaArmPerGbSecond: number;
  readonly lambdaPerMillionRequests: number;
  /** EventBridge, custom events put on a bus (each 64 KB chunk counts as one). */
  readonly eventBridgePerMillionEvents: number;
  /** SQS standard queue requests. */
  readonly sqsPerMillionRequests: number;
  /** SES outbound mail. */
  readonly sesPerThousandMails: number;
}

/**
 * us-east-1 list prices from aws.amazon.com/{dynamodb,lambda,eventbridge,sqs,ses}/pricing as
 * they stood in 2025 (DynamoDB on demand after the 1 November 2024 halving), not re-checked
 * online for this run; eu-north-1 lists DynamoDB and Lambda a few percent higher.
 */
export const US_EAST_1_PRICES: PriceList = {
  region: 'us-east-1',
  asOf: '2025 (DynamoDB on demand after its 2024-11-01 cut)',
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  dynamoPerGbMonth: 0.25,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  eventBridgePerMillionEvents: 1.0,
  sqsPerMillionRequests: 0.4,
  sesPerThousandMails: 0.1,
};

/** What one unit of work (an order, a mail, …) costs in each billed dimension. */
export interface UnitCost {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly lambdaInvocations: number;
  /** Billed Lambda time of the unit, all its invocations together. */
  readonly lambdaMs: number;
  readonly events: number;
  readonly sqsRequests: number;
  readonly mails: number;
}

/** The measured unit costs the model multiplies. */
export interface MeasuredCosts {
  readonly order: UnitCost;
  readonly mail: UnitCost;
  readonly sweepItem: UnitCost;
  readonly flowStep: UnitCost;
  /** Stored bytes a member's items take after a year of the stated activity (ledger entries, state, timeline). */
  readonly bytesPerMember: number;
  /** Lambda memory the handlers run with (lib/lojal-function.ts: 512 MB). */
  readonly memoryMb: number;
}

/** A shop's activity: how many members and what each does in a month. */
export interface ShopActivity {
  readonly members: number;
  readonly ordersPerMemberMonth: number;
  readonly mailsPerMemberMonth: number;
  /** Timeline items (check-ins, reminders, birthdays) swept per member a month. */
  readonly sweepItemsPerMemberMonth: number;
  readonly flowStepsPerMemberMonth: number;
}

/** Scheduled jobs that run whatever the shop does: the sweeper, the ledger job, the calendar. */
export interface FixedLoad {
  readonly invocationsPerMonth: number;
  readonly msPerInvocation: number;
}

/** Each of the minute jobs (timeline sweeper, ledger job) 43 200 times a month, the calendar once a day, at 200 ms each. */
export const SCHEDULED_JOBS: FixedLoad = { invocationsPerMonth: 2 * 43_200 + 30, msPerInvocation: 200 };

export interface MonthlyCost {
  readonly dynamoRequests: number;
  readonly dynamoStorage: number;
  readonly lambda: number;
  readonly eventBridge: number;
  readonly sqs: number;
  readonly ses: number;
  readonly total: number;
  /** `total` per member. */
  readonly perMember: number;
}

/** The monthly bill of `activity` at `prices`, from the measured unit costs. */
export function monthlyCost(
  prices: PriceList,
  measured: MeasuredCosts,
  activity: ShopActivity,
  fixed: FixedLoad = SCHEDULED_JOBS,
): MonthlyCost {
  const m = activity.members;
  const work: readonly [UnitCost, number][] = [
    [measured.order, m * activity.ordersPerMemberMonth],
    [measured.mail, m * activity.mailsPerMemberMonth],
    [measured.sweepItem, m * activity.sweepItemsPerMemberMonth],
    [measured.flowStep, m * activity.flowStepsPerMemberMonth],
  ];
  const sum = (of: (u: UnitCost) => number) => work.reduce((s, [unit, count]) => s + of(unit) * count, 0);
  const gbSeconds = ((sum((u) => u.lambdaMs) + fixed.invocationsPerMonth * fixed.msPerInvocation) / 1000) * (measured.memoryMb / 1024);
  const invocations = sum((u) => u.lambdaInvocations) + fixed.invocationsPerMonth;

  const dynamoRequests =
    (sum((u) => u.writeUnits) * prices.dynamoPerMillionWriteUnits + sum((u) => u.readUnits) * prices.dynamoPerMillionReadUnits) / 1e6;
  const dynamoStorage = ((m * measured.bytesPerMember) / 1024 ** 3) * prices.dynamoPerGbMonth;
  const lambda = gbSeconds * prices.lambdaArmPerGbSecond + (invocations * prices.lambdaPerMillionRequests) / 1e6;
  const eventBridge = (sum((u) => u.events) * prices.eventBridgePerMillionEvents) / 1e6;
  const sqs = (sum((u) => u.sqsRequests) * prices.sqsPerMillionRequests) / 1e6;
  const ses = (sum((u) => u.mails) * prices.sesPerThousandMails) / 1e3;
  const total = dynamoRequests + dynamoStorage + lambda + eventBridge + sqs + ses;
  return { dynamoRequests, dynamoStorage, lambda, eventBridge, sqs, ses, total, perMember: total / m };
}

/** What a shop would pay for the SaaS it would pick instead, as the issue states them (monthly list prices). */
export const SAAS_LIST_PRICES = [
  { name: 'Klaviyo (email, 10 000 profiles)', monthly: 150, members: 10_000 },
  { name: 'Smile.io (loyalty with VIP tiers, Growth plan)', monthly: 199, members: 10_000 },
] as const;

/**
 * The activity the printed figures assume: a member orders about four times a year and gets
 * two mails a month; each order plans a check-in and a reminder the sweeper later emits, and one
 * flow step a month (a review request, a win-back).
 */
export const DEFAULT_ACTIVITY: Omit<ShopActivity, 'members'> = {
  ordersPerMemberMonth: 0.33,
  mailsPerMemberMonth: 2,
  sweepItemsPerMemberMonth: 0.66,
  flowStepsPerMemberMonth: 1,
};

/** The bench's lines: the bill per shop size beside the SaaS list prices. */
export function formatCostModel(prices: PriceList, measured: MeasuredCosts, sizes: readonly number[] = [10_000, 1_000_000]): string {
  const usd = (n: number) => `$${n < 10 ? n.toFixed(2) : n.toFixed(0)}`;
  const a = DEFAULT_ACTIVITY;
  const lines = [
    `cost model: a month on AWS at ${prices.region} list prices (${prices.asOf}), from this run's measured units`,
    `  activity per member a month: ${a.ordersPerMemberMonth} orders, ${a.mailsPerMemberMonth} mails, ${a.sweepItemsPerMemberMonth} swept timeline items, ${a.flowStepsPerMemberMonth} flow steps`,
    `  per order ${unitLine(measured.order)}; per mail ${unitLine(measured.mail)}`,
    `  per swept item ${unitLine(measured.sweepItem)}; per flow step ${unitLine(measured.flowStep)}`,
  ];
  for (const members of sizes) {
    const c = monthlyCost(prices, measured, { members, ...a });
    lines.push(
      `  ${members.toLocaleString('en-US').padStart(9)} members: ${usd(c.total).padStart(6)}/month (${usd(c.perMember * 1000)} per 1 000 members) — ` +
        `SES ${usd(c.ses)}, DynamoDB ${usd(c.dynamoRequests)} + storage ${usd(c.dynamoStorage)}, Lambda ${usd(c.lambda)}, EventBridge ${usd(c.eventBridge)}, SQS ${usd(c.sqs)}`,
    );
  }
  for (const saas of SAAS_LIST_PRICES) {
    lines.push(`  instead: ${saas.name.padEnd(48)} ${usd(saas.monthly)}/month at ${saas.members.toLocaleString('en-US')} members`);
  }
  return lines.join('\n');
}

function unitLine(u: UnitCost): string {
  return `${u.readUnits.toFixed(1)} RRU + ${u.writeUnits.toFixed(1)} WRU, ${u.lambdaMs.toFixed(0)} Lambda ms`;
}
