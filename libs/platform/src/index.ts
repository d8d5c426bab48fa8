export * from './config';
export * from './logging';
export * from './kafka-client';
export * from './kafka-health';
export * from './health';
export * from './platform.module';
export * from './bootstrap';
