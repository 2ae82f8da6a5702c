import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { MailOutcomeUnknownError, MailRejectedError, MailThrottledError, type Mailer, type OutgoingMail } from '../../runtime/mail-ports';

export interface SesMailerOptions {
  /** The SES configuration set whose event destination reports bounces and complaints (env `SES_CONFIGURATION_SET`). @default none */
  readonly configurationSetName?: string;
}

/** SES answers meaning "not now": the mail was not accepted and may be sent again later. */
const NOT_NOW = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'LimitExceededException',
  'SendingPausedException',
]);

/**
 * SES v2 `SendEmail` with Simple content: subject, HTML and text parts, and custom headers
 * (`Content.Simple.Headers`, which carries `List-Unsubscribe` and `List-Unsubscribe-Post`
 * without building raw MIME). The client's own retries (standard mode: backoff with jitter,
 * longer for throttling) come first; what they do not absorb is classified for the sender:
 * `MailThrottledError` (not accepted, retry later), `MailRejectedError` (never), or
 * `MailOutcomeUnknownError` (the request may have arrived).
 * https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html
 *
 * @example
 * const mailer = new SesMailer(new SESv2Client({}), { configurationSetName: requireEnv('SES_CONFIGURATION_SET') });
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly ses: Pick<SESv2Client, 'send'>,
    private readonly options: SesMailerOptions = {},
  ) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const command = new SendEmailCommand({
      FromEmailAddress: mail.from,
      Destination: { ToAddresses: [mail.to] },
      Content: {
        Simple: {
          Subject: { Data: mail.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: mail.html, Charset: 'UTF-8' }, Text: { Data: mail.text, Charset: 'UTF-8' } },
          Headers: mail.headers.map((h) => ({ Name: h.name, Value: h.value })),
        },
      },
      EmailTags: mail.tags.map((t) => ({ Name: t.name, Value: t.value })),
      ...(this.options.configurationSetName ? { ConfigurationSetName: this.options.configurationSetName } : {}),
    });
    let answer: { MessageId?: string | undefined };
    try {
      answer = await this.ses.send(command);
    } catch (error) {
      throw classify(error);
    }
    if (!answer.MessageId) throw new MailOutcomeUnknownError('SES answered without a message id');
    return { messageId: answer.MessageId };
  }
}

function classify(error: unknown): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = `${name}: ${e.message ?? ''}`;
  if (NOT_NOW.has(name) || status === 429) return new MailThrottledError(message);
  // A 5xx is an answer: SES did not take the mail. No status at all means no answer arrived.
  if (status !== undefined && status >= 500) return new MailThrottledError(message);
  if (status !== undefined && status >= 400) return new MailRejectedError(name, message);
  return new MailOutcomeUnknownError(message);
}
