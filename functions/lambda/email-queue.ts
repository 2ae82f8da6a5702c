import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsMailQueue } from '../adapters/sqs/sqs-mail-queue';
import type { EmailPorts } from '../handlers/email-handlers';
import { requireEnv } from './env';

/**
 * The mail queue for the email route handlers (functions/contract/routes.ts), built once per
 * execution environment. Needs MAIL_QUEUE_URL (sqs:SendMessage on it), set by lib/lojal-email.ts.
 */
export const emailPorts: EmailPorts = { queue: new SqsMailQueue(new SQSClient({}), requireEnv('MAIL_QUEUE_URL')) };
