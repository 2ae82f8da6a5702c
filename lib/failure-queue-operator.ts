import { Stack, Validations } from 'aws-cdk-lib';
import { AccountRootPrincipal, AnyPrincipal, Effect, type IPrincipal, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { FailureQueue } from './failure-queue';

/** Queue actions that read or remove what a failure queue holds: only the operator role may call them. */
export const FAILURE_QUEUE_READ_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:PurgeQueue'];

/**
 * The key the failure queues are encrypted with. The rejected-events queue, the rule targets'
 * dead-letter queue and the handlers' on-failure queue hold whole events (addresses, names,
 * birthdays), so they are encrypted with a KMS key whose use is logged per call and which can be
 * disabled (crypto-shredding) without touching the queues; EventBridge may use it to write only
 * on behalf of this account.
 */
export function failureQueueKey(scope: Construct, id: string, given?: IKey): IKey {
  const key =
    given ??
    new Key(scope, id, {
      enableKeyRotation: true,
      description: `Encrypts the failure queues of ${Stack.of(scope).stackName}, which hold events with personal data`,
    });
  // The rule targets' dead letters are sent by EventBridge itself. An imported key's policy is the
  // operator's to change (docs/security.md): then this adds nothing.
  key.addToResourcePolicy(
    new PolicyStatement({
      principals: [new ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  return key;
}

export interface FailureQueueOperatorProps {
  readonly queues: readonly FailureQueue[];
  readonly key: IKey;
  /** Who may assume the operator role. @default this account (its administrators decide who) */
  readonly assumedBy?: IPrincipal;
}

/**
 * The one role that may read, redrive and delete what the failure queues hold. Each queue's
 * policy denies the read actions to every other principal, so a broad `sqs:*` grant elsewhere in
 * the account cannot read members' events out of them.
 */
export class FailureQueueOperator extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: FailureQueueOperatorProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: props.assumedBy ?? new AccountRootPrincipal(),
      description: 'Inspects and replays the Lojal failure queues (docs/runbook.md)',
    });
    for (const failure of props.queues) {
      failure.queue.grantConsumeMessages(this.role);
      failure.queue.grantPurge(this.role);
      failure.queue.addToResourcePolicy(
        new PolicyStatement({
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: FAILURE_QUEUE_READ_ACTIONS,
          resources: [failure.queue.queueArn],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.role.roleArn } },
        }),
      );
    }
    props.key.grantDecrypt(this.role);
    for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          "The queue grants of CDK name KMS action families, and they are limited to the failure queues' key alone (the failure-queue key, or the client's data key).",
      });
    }
  }
}
