import type { LocalCopy } from './local-copy';

/** What `npm start` prints once everything is up: where things are and what to try first. */
export function formatBanner(
  local: Pick<LocalCopy, 'urls' | 'config' | 'tableName' | 'persistDir' | 'clock'> & Partial<Pick<LocalCopy, 'webhookSecret'>>,
  clientName: string,
): string {
  const { urls, config } = local;
  const source = config.allowedSources[0] ?? 'webshop';
  const now = local.clock
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const detail = JSON.stringify({ customerId: 'c-1', email: 'ada@example.com', registeredAt: now, firstName: 'Ada' });
  const body = JSON.stringify({ Entries: [{ Source: source, DetailType: 'customer.registered', Detail: detail }] });
  return `
Lojal local copy is up: client "${clientName}" (${config.brand.name}), table ${local.tableName}

  PutEvents + member API  ${urls.api}
  Clock                   ${urls.api}/_local/clock  (${local.clock.frozen ? 'frozen' : 'running'}, now ${now})
  Dead letters            ${urls.api}/_local/dead-letters
  SES inbox               ${urls.ses}  (sent mail as JSON: ${urls.ses}/store)
  DynamoDB Local          ${urls.dynamoDb}  (${local.persistDir ? `data kept in ${local.persistDir}` : 'in memory'})
${
  local.webhookSecret
    ? `  Webhooks                ${urls.api}/webhooks/shopify, ${urls.api}/webhooks/woocommerce
                          signing secret (both): ${local.webhookSecret}  (LOJAL_WEBHOOK_SECRET sets another; docs/integrations.md)
`
    : ''
}
Try first:
  # a customer registers: the webshop's PutEvents call (AWS JSON 1.1, any credentials)
  curl -s ${urls.api}/ -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: AWSEvents.PutEvents' \\
    -d '${body.replace(/'/g, "'\\''")}'
  # wait until it is handled (delivery is asynchronous, as in AWS), then look them up
  curl -s -X POST ${urls.api}/_local/clock -H 'content-type: application/json' -d '{"advance":"PT0S"}'
  curl -s ${urls.api}/v1/members/c-1
  # a month passes: due jobs run, and the answer comes when all their work is done
  curl -s -X POST ${urls.api}/_local/clock -H 'content-type: application/json' -d '{"advance":"P30D"}'

  From code, the real SDK:
    new EventBridgeClient({ endpoint: '${urls.api}', region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })

Ctrl-C stops everything.
`;
}
