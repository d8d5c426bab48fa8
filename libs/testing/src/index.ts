export * from './infrastructure';
export * from './eventually';
export * from './isolation';
