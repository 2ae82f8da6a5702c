import { Duration, Validations } from 'aws-cdk-lib';
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
}

/**
 * A queue where failed or rejected events wait for an operator: encrypted at rest with SQS
 * managed keys (EventBridge and Lambda can write to it without a KMS key policy), and refusing
 * requests that are not TLS.
 */
export class FailureQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: FailureQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
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
