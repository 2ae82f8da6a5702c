import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Fault injection on a real client: the request still goes to DynamoDB Local unless a fault
 * says otherwise. `before` fails the call without sending it (a throttle); `after` sends it,
 * lets DynamoDB apply it, and then loses the answer (a timeout after the write).
 */
export function injectFault(
  doc: DynamoDBDocumentClient,
  fault: { command: string; when: 'before' | 'after'; times: number; error: () => Error },
) {
  let left = fault.times;
  const name = `fault-${Math.random()}`;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== fault.command || left <= 0) return next(args);
      left--;
      if (fault.when === 'before') throw fault.error();
      await next(args);
      throw fault.error();
    },
    { step: 'initialize', name },
  );
  return { remaining: () => left, remove: () => doc.middlewareStack.remove(name) };
}

export function throttlingError(): Error {
  return Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

export function timeoutError(): Error {
  return Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
}
