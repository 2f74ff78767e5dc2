export * from './backends';
export * from './webgpu';
export * from './nativeBlas';
