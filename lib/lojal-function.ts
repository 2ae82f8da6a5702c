import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { lojalBundle, toCdkBundling } from './bundling';
import type { LojalTable } from './lojal-table';
import type { TableAccess } from './table-access';

/** Why a function role may hold KMS action families: CDK's queue and table grants name them, on the stack's own keys only. */
const KMS_FAMILIES_REASON =
  "Sending to a KMS-encrypted queue, or writing a table under the client's data key, takes the KMS action families CDK grants for it, on that key alone (the failure-queue key or the client's data key).";

/** The CloudWatch namespace of every Lojal metric; clients are told apart by the `clientId` dimension. */
export const METRICS_NAMESPACE = 'Lojal';

export interface LojalFunctionProps {
  /** Absolute path of the entry file, e.g. `functions/lambda/order-placed.ts`. */
  readonly entry: string;
  /** The client's configuration as JSON (`LoadedClient.configJson`); compiled into the bundle. */
  readonly configJson: string;
  /** Powertools service name: the `service` key of every log line and metric dimension, e.g. `order-placed`. */
  readonly serviceName: string;
  /** @default - CloudFormation generates a name */
  readonly functionName?: string;
  readonly description?: string;
  /** Extra environment variables; configuration belongs in the client file, not here. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 512 MB, which on arm64 keeps cold starts short for a few cents more */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** How long the function's own log group keeps logs. @default one month */
  readonly logRetention?: RetentionDays;
}

/** How a function may use the table: exactly (lib/table-access.ts), or every key space ('read', 'readWrite'). */
export type TableBinding = TableAccess | 'read' | 'readWrite';

/**
 * Lojal's house Lambda: Node.js 22 on arm64, an ES module bundle built by the local esbuild
 * (lib/bundling.ts), its own log group with retention, active tracing, Powertools settings,
 * and a role that holds only what the construct and its `bind…` helpers grant.
 */
export class LojalFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: LojalFunctionProps) {
    // Our own role instead of the default one with AWSLambdaBasicExecutionRole, whose log
    // permissions cover every log group in the account.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.serviceName}`,
    });
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      functionName: props.functionName,
      description: props.description,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      role,
      logGroup,
      tracing: Tracing.ACTIVE,
      bundling: toCdkBundling(lojalBundle(props.configJson)),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // The bundles ship source maps; this makes stack traces point at the TypeScript.
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions, so active tracing needs Resource "*".',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      reason: KMS_FAMILIES_REASON,
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: KMS_FAMILIES_REASON,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Lojal pins Node.js 22, the runtime its bundles target and its tests run against, and moves runtimes deliberately.',
    });
  }

  /**
   * Sets `TABLE_NAME` and grants the table access, in one step. `access` of `undefined` sets the
   * name alone: the shared bootstrap needs it, but the function's code never calls DynamoDB.
   */
  bindTable(table: LojalTable, access: TableBinding | undefined): this {
    this.addEnvironment('TABLE_NAME', table.tableName);
    if (access === 'readWrite') table.grantReadWriteData(this);
    else if (access === 'read') table.grantReadData(this);
    else if (access !== undefined) table.grant(this, access);
    return this;
  }

  /**
   * Sets `DEAD_LETTER_QUEUE_URL` and grants sending to it: the handler sends a malformed event
   * there itself, with the error naming the field, instead of failing and being retried.
   */
  bindRejectedEvents(queue: IQueue): this {
    this.addEnvironment('DEAD_LETTER_QUEUE_URL', queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }
}
