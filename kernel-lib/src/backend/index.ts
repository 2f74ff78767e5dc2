export * from './backends';
export * from './webgpu';
