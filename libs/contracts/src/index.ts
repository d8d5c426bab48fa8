export * from './topics';
export * from './envelope';
export * from './catalogue';
export * from './validation';
export * from './registry/centre-opened.v1';
export * from './operations/dead-letter-replayed.v1';
