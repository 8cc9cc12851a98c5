/** The ONNX model runtime connector (onnxruntime-node) and the file-backed model registry. */
import type { ConnectorFactory } from '../registry.ts';
import { OnnxModelRuntime, onnxModelRuntimeConfigSchema } from './onnx-model-runtime.ts';

export const onnxModelRuntimeFactory: ConnectorFactory<typeof onnxModelRuntimeConfigSchema, OnnxModelRuntime> = {
  capability: 'modelRuntime',
  kind: 'onnx',
  configSchema: onnxModelRuntimeConfigSchema,
  create: (config, ctx) => new OnnxModelRuntime(config, ctx),
};

export { createOnnxModelRuntime, OnnxModelRuntime, onnxModelRuntimeConfigSchema, type OnnxModelRuntimeConfig } from './onnx-model-runtime.ts';
export { compareVersions, createModelRegistry, loadModelRegistry } from './file-model-registry.ts';
