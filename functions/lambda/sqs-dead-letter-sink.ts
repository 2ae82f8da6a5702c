import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterSink } from '../runtime/ports';

/**
 * The dead-letter sink in AWS: one SQS message per rejected event, whose body is the letter as
 * JSON (`detailType`, `source`, `error`, `field`, `event`), the same fields the local copy's
 * `GET /_local/dead-letters` lists, so an operator can read and replay it the same way.
 */
export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly sqs: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  async deadLetter(letter: DeadLetter): Promise<void> {
    const { detailType, source, error, field, event } = letter;
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ detailType, source, error, field, event }),
        // Attributes let an operator filter without parsing bodies that hold personal data.
        MessageAttributes: {
          detailType: { DataType: 'String', StringValue: detailType },
          field: { DataType: 'String', StringValue: field },
        },
      }),
    );
  }
}
