import { allContracts } from './catalogue';
import { EnvelopeHeaders, RequiredEnvelopeHeaders } from './envelope';
import { payloadSchemas } from './json-schema';
import { Topics } from './topics';

const headerSchema = {
  type: 'object',
  description: 'CloudEvents 1.0 attributes in Kafka headers (binary content mode).',
  required: RequiredEnvelopeHeaders,
  properties: {
    [EnvelopeHeaders.specversion]: { type: 'string', const: '1.0' },
    [EnvelopeHeaders.id]: { type: 'string', description: 'Unique message id; consumers deduplicate on it.' },
    [EnvelopeHeaders.type]: { type: 'string', description: 'Versioned event type.' },
    [EnvelopeHeaders.source]: { type: 'string', description: 'Producing service, e.g. /ki/registry.' },
    [EnvelopeHeaders.time]: { type: 'string', format: 'date-time' },
    [EnvelopeHeaders.subject]: { type: 'string', description: 'What the event is about; equals the partition key.' },
    [EnvelopeHeaders.correlationId]: { type: 'string', description: 'Shared by every message of one business flow.' },
    [EnvelopeHeaders.causationId]: { type: 'string', description: 'ce_id of the message that caused this one.' },
    [EnvelopeHeaders.traceparent]: { type: 'string', description: 'W3C trace context.' },
    [EnvelopeHeaders.contentType]: { type: 'string', const: 'application/json' },
  },
};

/** The AsyncAPI 3.0 document of every topic and event type, generated from the contracts. */
export function buildAsyncApi(): Record<string, unknown> {
  const contracts = allContracts();
  const schemas = payloadSchemas(contracts);
  const channelName = (topic: string) => Object.entries(Topics).find(([, t]) => t === topic)?.[0] ?? topic;
  const channels: Record<string, unknown> = {};
  for (const [name, address] of Object.entries(Topics)) {
    const messages = Object.fromEntries(
      contracts.filter((c) => c.topic === address).map((c) => [c.payload.name, { $ref: `#/components/messages/${c.payload.name}` }]),
    );
    channels[name] = { address, messages };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'ki-network events',
      version: '1.0.0',
      description: 'Events exchanged by the ki-network services over Apache Kafka. Generated from libs/contracts by `npm run asyncapi`.',
    },
    defaultContentType: 'application/json',
    channels,
    operations: Object.fromEntries(
      contracts.map((c) => [
        `publish${c.payload.name}`,
        {
          action: 'send',
          channel: { $ref: `#/channels/${channelName(c.topic)}` },
          messages: [{ $ref: `#/channels/${channelName(c.topic)}/messages/${c.payload.name}` }],
        },
      ]),
    ),
    components: {
      messages: Object.fromEntries(
        contracts.map((c) => [
          c.payload.name,
          {
            name: c.type,
            title: c.payload.name,
            summary: c.summary,
            contentType: 'application/json',
            headers: { $ref: '#/components/schemas/CloudEventHeaders' },
            payload: { $ref: `#/components/schemas/${c.payload.name}` },
            bindings: { kafka: { key: { type: 'string', description: 'Partition key, equal to ce_subject.' }, bindingVersion: '0.5.0' } },
          },
        ]),
      ),
      schemas: { CloudEventHeaders: headerSchema, ...schemas },
    },
  };
}
