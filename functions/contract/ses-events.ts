import * as z from 'zod/mini';

/**
 * The part of SES's sending events Lojal reads: bounces and complaints, as SES publishes them
 * through a configuration set's EventBridge destination (on the default bus; `detail` is the
 * event record). https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html
 */
const address = z.string().check(z.minLength(3), z.maxLength(320));

export const SesFeedbackSchema = z.object({
  eventType: z.string(),
  bounce: z.optional(
    z.object({
      /** `Permanent` (a hard bounce), `Transient` or `Undetermined`. */
      bounceType: z.string(),
      bounceSubType: z.optional(z.string()),
      bouncedRecipients: z.array(z.object({ emailAddress: address })),
      timestamp: z.optional(z.string()),
    }),
  ),
  complaint: z.optional(
    z.object({
      complainedRecipients: z.array(z.object({ emailAddress: address })),
      complaintFeedbackType: z.optional(z.string()),
      timestamp: z.optional(z.string()),
    }),
  ),
  mail: z.object({ messageId: z.string(), tags: z.optional(z.record(z.string(), z.array(z.string()))) }),
});
export type SesFeedback = z.output<typeof SesFeedbackSchema>;

/** The EventBridge detail types SES gives bounces and complaints. */
export const SES_FEEDBACK_DETAIL_TYPES = ['Email Bounced', 'Email Complaint Received'] as const;
export const SES_SOURCE = 'aws.ses';
