export * from './infrastructure';
export * from './eventually';
export * from './isolation';
export * from './service-app';
export * from './fixtures';
export * from './kafka';
export * from './compose';
export * from './compose-checks';
