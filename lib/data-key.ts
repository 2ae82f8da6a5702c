import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type CfnLogGroup, LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

/**
 * The client's customer-managed KMS key (`-c dataKeyArn=…`, or `LojalStackProps.dataKey`):
 * the table, every queue that holds members' data and every log group of the stack are
 * encrypted with it. A key of this stack gets the key-policy statements CloudWatch Logs and
 * EventBridge need; an imported key's policy cannot be changed from here, so the operator adds
 * the same statements (docs/security.md, "Keys").
 */
export function useDataKeyForLogs(scope: IConstruct, key: IKey): void {
  const stack = Stack.of(scope);
  // CloudWatch Logs encrypts with the key itself, for this account's log groups only.
  key.addToResourcePolicy(
    new PolicyStatement({
      principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*' }) },
      },
    }),
  );
  for (const logGroup of scope.node.findAll().filter((c): c is LogGroup => c instanceof LogGroup)) {
    (logGroup.node.defaultChild as CfnLogGroup).kmsKeyId = key.keyArn;
  }
}
