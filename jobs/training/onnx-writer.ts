/**
 * Writes a fitted linear model as an ONNX ModelProto (onnx-proto): one float input `features`
 * [N, F] with a dynamic batch dimension, standardization inside the graph (Sub mean, Div std) so
 * callers pass raw values, MatMul + Add, then the output activation (Clip / Sigmoid / Relu /
 * Identity) producing one named float output [N, 1].
 */
import onnxProto from 'onnx-proto';
import type { LinearModel } from './linear-models.ts';

const { onnx } = onnxProto;

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const INPUT_NAME = 'features';
const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface OnnxExportSpec {
  readonly graphName: string;
  readonly description: string;
  readonly featureNames: readonly string[];
  readonly outputName: string;
  readonly model: LinearModel;
  /** Extra key/value metadata stored in the model (version, seed, ...). */
  readonly metadata?: Readonly<Record<string, string>>;
}

function tensor(name: string, dims: readonly number[], values: readonly number[]): onnxProto.onnx.ITensorProto {
  return { name, dims: [...dims], dataType: FLOAT, floatData: values.map((v) => Math.fround(v)) };
}

function floatMatrixInfo(name: string, width: number): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } },
  };
}

function node(opType: string, inputs: readonly string[], output: string): onnxProto.onnx.INodeProto {
  return { opType, input: [...inputs], output: [output], name: `${opType.toLowerCase()}_${output}` };
}

/** The serialized ONNX model. Deterministic: the same model gives the same bytes. */
export function linearModelToOnnx(spec: OnnxExportSpec): Uint8Array {
  const { model, featureNames, outputName } = spec;
  const width = featureNames.length;
  if (model.weights.length !== width || model.mean.length !== width || model.std.length !== width) {
    throw new Error(`model ${spec.graphName}: ${model.weights.length} weights for ${width} features`);
  }
  const initializer = [
    tensor('feature_mean', [width], model.mean),
    tensor('feature_std', [width], model.std),
    tensor('weights', [width, 1], model.weights),
    tensor('bias', [1], [model.bias]),
  ];
  const nodes = [
    node('Sub', [INPUT_NAME, 'feature_mean'], 'centered'),
    node('Div', ['centered', 'feature_std'], 'standardized'),
    node('MatMul', ['standardized', 'weights'], 'weighted'),
    node('Add', ['weighted', 'bias'], 'linear'),
  ];
  switch (model.activation) {
    case 'identity':
      nodes.push(node('Identity', ['linear'], outputName));
      break;
    case 'relu':
      nodes.push(node('Relu', ['linear'], outputName));
      break;
    case 'sigmoid':
      nodes.push(node('Sigmoid', ['linear'], outputName));
      break;
    case 'clip': {
      if (!model.clip) throw new Error(`model ${spec.graphName}: clip activation without bounds`);
      initializer.push(tensor('clip_min', [], [model.clip.min]), tensor('clip_max', [], [model.clip.max]));
      nodes.push(node('Clip', ['linear', 'clip_min', 'clip_max'], outputName));
      break;
    }
  }
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'gofuture-training',
    producerVersion: '1',
    domain: 'ai.gofuture',
    modelVersion: 1,
    docString: spec.description,
    metadataProps: Object.entries({ feature_names: featureNames.join(','), ...spec.metadata }).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.graphName,
      node: nodes,
      initializer,
      input: [floatMatrixInfo(INPUT_NAME, width)],
      output: [floatMatrixInfo(outputName, 1)],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}
