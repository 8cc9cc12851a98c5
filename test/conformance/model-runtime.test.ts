/** The ModelRuntime conformance suite against every implementation (onnxruntime-node). */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createOnnxModelRuntime } from '../../connectors/onnx/onnx-model-runtime.ts';
import { modelRuntimeConformance } from './model-runtime.suite.ts';

modelRuntimeConformance('onnx', () => Promise.resolve(createOnnxModelRuntime({}, { logger: pino({ level: 'silent' }), metrics: new Registry() })));
