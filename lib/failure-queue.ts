import { Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FailureQueueProps {
  /**
   * What lands in this queue, in a sentence; it becomes the reason the queue has no
   * dead-letter queue of its own (cdk-nag AwsSolutions-SQS3), so it must end with a full stop.
   */
  readonly holds: string;
  /**
   * How long a message waits for an operator to inspect or replay it.
   * @default 14 days, the SQS maximum
   */
  readonly retentionPeriod?: Duration;
  /**
   * A KMS key for queues whose messages hold personal data (whole events): key use is logged and
   * the key can be disabled. @default SQS-managed encryption
   */
  readonly encryptionKey?: IKey;
}

/**
 * A queue where failed or rejected events wait for an operator: encrypted at rest (SQS managed
 * keys, or a KMS key for queues that hold personal data), and refusing requests that are not TLS.
 */
export class FailureQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: FailureQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      ...(props.encryptionKey
        ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
        : { encryption: QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself the end of a failure path and nothing consumes it automatically: ${lowerFirst(props.holds)}`,
    });
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
