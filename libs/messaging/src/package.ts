// Entry point of the npm package @ki-network/events (`npx nx run messaging:package`): the event
// contracts and the typed publisher, for internal services outside this repository that emit
// events. Nothing of Nest, TypeORM or the outbox: those stay inside the services.
export * from '@ki/contracts';
export { EventPublisher } from './publisher';
export type { PublisherOptions } from './publisher';
export { encodeEvent } from './envelope-codec';
export type { EventOrigin } from './envelope-codec';
