/**
 * Writes a tree ensemble as ONNX (ai.onnx.ml opset 3): `TreeEnsembleClassifier` for binary
 * classifiers, `TreeEnsembleRegressor` for regressors, with the same convention as the linear
 * models (onnx-writer.ts): one float input `features` [N, F] of raw values, one named float output
 * [N, 1]. Classifier: the class-1 column of the probabilities (Slice); regressor: the value, through
 * Clip when the model has output bounds. Splits are BRANCH_LEQ on float32 thresholds, the exact
 * rule the TypeScript model applies (learners/tree.ts), so both compute the same function.
 */
import onnxProto from 'onnx-proto';
import { INPUT_NAME, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-writer.ts';
import type { TreeEnsemble } from './learners/tree-ensemble.ts';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const A = onnx.AttributeProto.AttributeType;
export const ONNX_ML_DOMAIN = 'ai.onnx.ml';
export const ONNX_ML_OPSET = 3;

export interface TreeOnnxSpec {
  readonly graphName: string;
  readonly description: string;
  readonly featureNames: readonly string[];
  readonly outputName: string;
  readonly model: TreeEnsemble;
  /** Regressors: clip the output into [min, max]. */
  readonly bounds?: { readonly min: number; readonly max: number };
  readonly metadata?: Readonly<Record<string, string>>;
}

type Attr = onnxProto.onnx.IAttributeProto;
const ints = (name: string, v: readonly number[]): Attr => ({ name, type: A.INTS, ints: [...v] });
const floats = (name: string, v: readonly number[]): Attr => ({ name, type: A.FLOATS, floats: v.map((x) => Math.fround(x)) });
const str = (name: string, v: string): Attr => ({ name, type: A.STRING, s: new TextEncoder().encode(v) });
const strs = (name: string, v: readonly string[]): Attr => ({ name, type: A.STRINGS, strings: v.map((x) => new TextEncoder().encode(x)) });

interface NodeTable {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  values: number[];
  modes: string[];
  trueIds: number[];
  falseIds: number[];
  leaves: { tree: number; node: number; value: number }[];
}

function nodeTable(model: TreeEnsemble): NodeTable {
  const t: NodeTable = { treeIds: [], nodeIds: [], featureIds: [], values: [], modes: [], trueIds: [], falseIds: [], leaves: [] };
  model.trees.forEach((tree, ti) => {
    for (let k = 0; k < tree.feature.length; k++) {
      const f = tree.feature[k] as number;
      const leaf = f < 0;
      t.treeIds.push(ti);
      t.nodeIds.push(k);
      t.featureIds.push(leaf ? 0 : f);
      t.values.push(leaf ? 0 : (tree.threshold[k] as number));
      t.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      t.trueIds.push(leaf ? 0 : (tree.left[k] as number));
      t.falseIds.push(leaf ? 0 : (tree.right[k] as number));
      if (leaf) t.leaves.push({ tree: ti, node: k, value: tree.value[k] as number });
    }
  });
  return t;
}

function nodeAttrs(t: NodeTable): Attr[] {
  return [
    ints('nodes_treeids', t.treeIds), ints('nodes_nodeids', t.nodeIds), ints('nodes_featureids', t.featureIds),
    floats('nodes_values', t.values), strs('nodes_modes', t.modes), ints('nodes_truenodeids', t.trueIds), ints('nodes_falsenodeids', t.falseIds),
  ];
}

function info(name: string, width: number): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } } };
}

const int64Tensor = (name: string, values: readonly number[]): onnxProto.onnx.ITensorProto => ({ name, dims: [values.length], dataType: INT64, int64Data: [...values] });
const floatScalar = (name: string, v: number): onnxProto.onnx.ITensorProto => ({ name, dims: [], dataType: FLOAT, floatData: [Math.fround(v)] });

/** The serialized ONNX model of a tree ensemble. Deterministic: the same model gives the same bytes. */
export function treeEnsembleToOnnx(spec: TreeOnnxSpec): Uint8Array {
  const { model, featureNames, outputName } = spec;
  if (model.featureCount !== featureNames.length) throw new Error(`model ${spec.graphName}: ${model.featureCount} features for ${featureNames.length} names`);
  const table = nodeTable(model);
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  if (model.objective === 'binary') {
    // onnxruntime's binary paths (tree_ensemble_aggregator.h), as skl2onnx uses them:
    // - boosting: one weight column (class_ids 0) + one base value + LOGISTIC gives
    //   [sigmoid(-s), sigmoid(s)] (leaf weights of mixed sign, always so for log-loss boosting);
    // - forest: weights for both classes and no base values gives the two sums as they are.
    const boosted = model.kind === 'gradient_boosting';
    if (boosted && table.leaves.every((l) => l.value >= 0)) throw new Error(`model ${spec.graphName}: boosted leaves all >= 0 take onnxruntime's other binary path`);
    const perLeaf = (f: (l: NodeTable['leaves'][number]) => readonly number[]): number[] => table.leaves.flatMap(f);
    const share = 1 / model.trees.length;
    const classAttrs: Attr[] = [
      ints('classlabels_int64s', [0, 1]),
      ints('class_treeids', perLeaf((l) => (boosted ? [l.tree] : [l.tree, l.tree]))),
      ints('class_nodeids', perLeaf((l) => (boosted ? [l.node] : [l.node, l.node]))),
      ints('class_ids', perLeaf(() => (boosted ? [0] : [0, 1]))),
      floats('class_weights', perLeaf((l) => (boosted ? [l.value] : [share - l.value, l.value]))),
      ...(boosted ? [floats('base_values', [model.base])] : []),
      str('post_transform', model.postTransform === 'logistic' ? 'LOGISTIC' : 'NONE'),
    ];
    nodes.push({ opType: 'TreeEnsembleClassifier', domain: ONNX_ML_DOMAIN, name: 'tree_ensemble', input: [INPUT_NAME], output: ['label', 'probabilities'], attribute: [...nodeAttrs(table), ...classAttrs] });
    initializer.push(int64Tensor('class1_start', [1]), int64Tensor('class1_end', [2]), int64Tensor('class_axis', [1]));
    nodes.push({ opType: 'Slice', name: 'slice_class1', input: ['probabilities', 'class1_start', 'class1_end', 'class_axis'], output: [outputName] });
  } else {
    const targetAttrs: Attr[] = [
      { name: 'n_targets', type: A.INT, i: 1 },
      ints('target_treeids', table.leaves.map((l) => l.tree)), ints('target_nodeids', table.leaves.map((l) => l.node)),
      ints('target_ids', table.leaves.map(() => 0)), floats('target_weights', table.leaves.map((l) => l.value)),
      floats('base_values', [model.base]), str('aggregate_function', 'SUM'), str('post_transform', 'NONE'),
    ];
    const raw = spec.bounds ? 'tree_value' : outputName;
    nodes.push({ opType: 'TreeEnsembleRegressor', domain: ONNX_ML_DOMAIN, name: 'tree_ensemble', input: [INPUT_NAME], output: [raw], attribute: [...nodeAttrs(table), ...targetAttrs] });
    if (spec.bounds) {
      initializer.push(floatScalar('clip_min', spec.bounds.min), floatScalar('clip_max', spec.bounds.max));
      nodes.push({ opType: 'Clip', name: 'clip_output', input: [raw, 'clip_min', 'clip_max'], output: [outputName] });
    }
  }
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }, { domain: ONNX_ML_DOMAIN, version: ONNX_ML_OPSET }],
    producerName: 'gofuture-training',
    producerVersion: '1',
    domain: 'ai.gofuture',
    modelVersion: 1,
    docString: spec.description,
    metadataProps: Object.entries({ feature_names: featureNames.join(','), model_kind: model.kind, ...spec.metadata }).map(([key, value]) => ({ key, value })),
    graph: { name: spec.graphName, node: nodes, initializer, input: [info(INPUT_NAME, featureNames.length)], output: [info(outputName, 1)] },
  });
  return onnx.ModelProto.encode(proto).finish();
}
