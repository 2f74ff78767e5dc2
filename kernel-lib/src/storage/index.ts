export * from './exemplarsBuffer';
export * from './reservoir';
export * from './selection';
export * from './balanced';
export * from './gdumb';
export * from './herdingClassBuffer';
export * from './gssBuffer';
