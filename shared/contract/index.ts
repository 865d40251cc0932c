export * from './calls';
export * from './domain';
export * from './errors';
export * from './events';
export * from './wire';
export * from './bridge';
export * from './credentials';
export * from './discovery';
