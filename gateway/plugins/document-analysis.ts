/**
 * One pass over a GraphQL document that measures what the limits bound: depth, fields, aliases and
 * directives with every fragment spread expanded, estimated cost, and prediction inputs. Each
 * fragment is measured once and its result reused at every spread (memoised per fragment name),
 * so the work is linear in the document's size however the fragments fan out: `fragment F30` where
 * each Fi spreads F(i-1) twice costs 30 fragment visits, not 2^30. A fragment cycle counts as zero
 * (validation's NoFragmentCycles reports it); an unknown fragment too (NoUnknownFragments).
 *
 * Cost follows the `@cost` / `@listSize` directives (IBM's cost spec, Federation 2.9) found in the
 * supergraph: a field weighs `@cost(weight)` or 1 if it returns an object (0 for leaves); a list
 * field multiplies its element's cost by its size: the slicing argument's value (`first: 500`), the
 * argument's default, `@listSize(assumedSize)`, else `defaultListSize`. `sizedFields` moves the
 * multiplier onto child fields (connections: `trips(first: 500) { nodes { ... } }`).
 */
import {
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface DocumentStats {
  /** Deepest field nesting (a root field is depth 1). */
  readonly depth: number;
  /** Fields, fragments expanded. */
  readonly fields: number;
  readonly aliases: number;
  readonly directives: number;
  readonly cost: number;
  /** Inputs of root prediction mutations (batch list lengths, aliases each counted). */
  readonly predictionInputs: number;
  /** Selection nodes walked: proportional to the document's size, whatever the fan-out. */
  readonly visits: number;
}

export interface AnalysisOptions {
  readonly defaultListSize: number;
  readonly predictionFieldPrefix: string;
  /** The request's variables; absent at validation time (variable sizes then count as assumed). */
  readonly variables?: Readonly<Record<string, unknown>> | undefined;
}

interface ListSize {
  readonly assumedSize?: number;
  readonly slicingArguments?: readonly string[];
  readonly sizedFields?: readonly string[];
}

interface FieldCost {
  /** Cost of one selection of this field, list multiplier applied. */
  cost: number;
  /** Cost of one element (weight + children), for a parent's `sizedFields` to multiply. */
  unit: number;
}

interface Measure {
  depth: number;
  fields: number;
  aliases: number;
  directives: number;
  cost: number;
  /** Field name -> cost of the top-level selections of that name (for `sizedFields`). */
  readonly top: Map<string, FieldCost>;
}

const INTROSPECTION_ROOTS: ReadonlySet<string> = new Set(['__schema', '__type']);

const ZERO = (): Measure => ({ depth: 0, fields: 0, aliases: 0, directives: 0, cost: 0, top: new Map() });

function add(into: Measure, m: Measure): void {
  into.depth = Math.max(into.depth, m.depth);
  into.fields += m.fields;
  into.aliases += m.aliases;
  into.directives += m.directives;
  into.cost += m.cost;
  for (const [name, c] of m.top) addTop(into.top, name, c.cost, c.unit);
}

function addTop(top: Map<string, FieldCost>, name: string, cost: number, unit: number): void {
  const prev = top.get(name);
  if (prev) {
    prev.cost += cost;
    prev.unit += unit;
  } else {
    top.set(name, { cost, unit });
  }
}

function directiveArgs(field: GraphQLField<unknown, unknown>, name: string): Record<string, unknown> | undefined {
  const node = field.astNode?.directives?.find((d) => d.name.value === name);
  if (!node) return undefined;
  const out: Record<string, unknown> = {};
  for (const arg of node.arguments ?? []) out[arg.name.value] = valueFromASTUntyped(arg.value);
  return out;
}

const stringList = (v: unknown): readonly string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

/** `@cost` / `@listSize` of every field, read once per schema. */
class CostModel {
  private readonly weights = new WeakMap<GraphQLField<unknown, unknown>, number | null>();
  private readonly listSizes = new WeakMap<GraphQLField<unknown, unknown>, ListSize | null>();

  weight(field: GraphQLField<unknown, unknown>): number | undefined {
    let w = this.weights.get(field);
    if (w === undefined) {
      const args = directiveArgs(field, 'cost');
      w = typeof args?.['weight'] === 'number' ? args['weight'] : null;
      this.weights.set(field, w);
    }
    return w ?? undefined;
  }

  listSize(field: GraphQLField<unknown, unknown>): ListSize | undefined {
    let l = this.listSizes.get(field);
    if (l === undefined) {
      const args = directiveArgs(field, 'listSize');
      if (args) {
        const assumed = args['assumedSize'];
        const slicing = stringList(args['slicingArguments']);
        const sized = stringList(args['sizedFields']);
        l = { ...(typeof assumed === 'number' ? { assumedSize: assumed } : {}), ...(slicing ? { slicingArguments: slicing } : {}), ...(sized ? { sizedFields: sized } : {}) };
      } else {
        l = null;
      }
      this.listSizes.set(field, l);
    }
    return l ?? undefined;
  }
}

const models = new WeakMap<GraphQLSchema, CostModel>();

function costModelOf(schema: GraphQLSchema): CostModel {
  let m = models.get(schema);
  if (!m) models.set(schema, (m = new CostModel()));
  return m;
}

function numberOf(value: ValueNode | undefined, variables: AnalysisOptions['variables']): number | undefined {
  if (!value) return undefined;
  if (value.kind === Kind.INT) return Number.parseInt(value.value, 10);
  if (value.kind === Kind.VARIABLE) {
    const v = variables?.[value.name.value];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }
  return undefined;
}

class Analyzer {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly memo = new Map<string, Measure>();
  private readonly inProgress = new Set<string>();
  private readonly model: CostModel;
  private readonly schema: GraphQLSchema;
  private readonly opts: AnalysisOptions;
  visits = 0;

  constructor(doc: DocumentNode, schema: GraphQLSchema, opts: AnalysisOptions) {
    this.schema = schema;
    this.opts = opts;
    for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(def.name.value, def);
    this.model = costModelOf(schema);
  }

  private typeNamed(name: string): GraphQLCompositeType | undefined {
    const t = this.schema.getType(name);
    return t && isCompositeType(t) ? t : undefined;
  }

  fragment(name: string): Measure {
    const cached = this.memo.get(name);
    if (cached) return cached;
    const def = this.fragments.get(name);
    if (!def || this.inProgress.has(name)) return ZERO();
    this.inProgress.add(name);
    const m = this.selectionSet(def.selectionSet, this.typeNamed(def.typeCondition.name.value));
    m.directives += def.directives?.length ?? 0;
    this.inProgress.delete(name);
    this.memo.set(name, m);
    return m;
  }

  selectionSet(set: SelectionSetNode, parent: GraphQLCompositeType | undefined): Measure {
    const out = ZERO();
    for (const sel of set.selections) {
      this.visits++;
      switch (sel.kind) {
        case Kind.FIELD:
          this.field(out, sel, parent);
          break;
        case Kind.INLINE_FRAGMENT: {
          const type = sel.typeCondition ? this.typeNamed(sel.typeCondition.name.value) : parent;
          const m = this.selectionSet(sel.selectionSet, type);
          add(out, m);
          out.directives += sel.directives?.length ?? 0;
          break;
        }
        case Kind.FRAGMENT_SPREAD:
          add(out, this.fragment(sel.name.value));
          out.directives += sel.directives?.length ?? 0;
          break;
      }
    }
    return out;
  }

  private field(out: Measure, sel: FieldNode, parent: GraphQLCompositeType | undefined): void {
    const def = this.fieldDef(parent, sel.name.value);
    const childType = def ? getNamedType(def.type) : undefined;
    const child = sel.selectionSet ? this.selectionSet(sel.selectionSet, childType && isCompositeType(childType) ? childType : undefined) : ZERO();
    // Introspection (`__schema`, `__type`) counts for fields, not depth or cost: its depth is the
    // TypeRef nesting tools choose (graphql-js's own query reaches 15) and its lists are the schema's;
    // graphql's MaxIntrospectionDepthRule (a specified rule) bounds its nesting, `introspection: false` ends it.
    const introspection = INTROSPECTION_ROOTS.has(sel.name.value);
    if (!introspection) out.depth = Math.max(out.depth, 1 + child.depth);
    out.fields += 1 + child.fields;
    out.aliases += (sel.alias ? 1 : 0) + child.aliases;
    out.directives += (sel.directives?.length ?? 0) + child.directives;

    const weight = (def && this.model.weight(def)) ?? (sel.selectionSet ? 1 : 0);
    const listSize = def ? this.model.listSize(def) : undefined;
    const size = def ? this.sizeOf(def, sel, listSize) : 1;
    let cost: number;
    let unit: number;
    if (listSize?.sizedFields?.length) {
      // a connection: the size applies to the named child fields, each element counted once
      let inner = 0;
      for (const [name, c] of child.top) inner += listSize.sizedFields.includes(name) ? size * c.unit : c.cost;
      unit = weight + inner;
      cost = unit;
    } else {
      unit = weight + child.cost;
      const isList = def !== undefined && isListType(getNullableType(def.type));
      cost = isList || listSize?.slicingArguments?.length ? size * unit : unit;
    }
    if (introspection) return;
    out.cost += cost;
    addTop(out.top, sel.name.value, cost, unit);
  }

  private fieldDef(parent: GraphQLCompositeType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
    if (!parent) return undefined;
    if (name === '__typename') return TypeNameMetaFieldDef;
    if (parent === this.schema.getQueryType()) {
      if (name === '__schema') return SchemaMetaFieldDef;
      if (name === '__type') return TypeMetaFieldDef;
    }
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  }

  private sizeOf(def: GraphQLField<unknown, unknown>, sel: FieldNode, listSize: ListSize | undefined): number {
    for (const name of listSize?.slicingArguments ?? []) {
      const given = numberOf(sel.arguments?.find((a) => a.name.value === name)?.value, this.opts.variables);
      if (given !== undefined) return Math.max(0, given);
      const fallback = def.args.find((a) => a.name === name)?.defaultValue;
      if (typeof fallback === 'number') return fallback;
    }
    return listSize?.assumedSize ?? this.opts.defaultListSize;
  }

  /** Prediction inputs of the root selections of a mutation, fragments on Mutation expanded (memoised). */
  predictionInputs(set: SelectionSetNode, memo = new Map<string, number>(), seen = new Set<string>()): number {
    let n = 0;
    for (const sel of set.selections) {
      this.visits++;
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith(this.opts.predictionFieldPrefix)) n += this.inputsOf(sel);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        n += this.predictionInputs(sel.selectionSet, memo, seen);
      } else {
        const name = sel.name.value;
        const cached = memo.get(name);
        if (cached !== undefined) {
          n += cached;
          continue;
        }
        const def = this.fragments.get(name);
        if (!def || seen.has(name)) continue;
        seen.add(name);
        const inner = this.predictionInputs(def.selectionSet, memo, seen);
        seen.delete(name);
        memo.set(name, inner);
        n += inner;
      }
    }
    return n;
  }

  /** A prediction field's inputs: the lengths of its list arguments (literal or variable), else 1. */
  private inputsOf(sel: FieldNode): number {
    let lists = 0;
    let n = 0;
    for (const arg of sel.arguments ?? []) {
      const v = arg.value;
      if (v.kind === Kind.LIST) {
        lists++;
        n += v.values.length;
      } else if (v.kind === Kind.VARIABLE && Array.isArray(this.opts.variables?.[v.name.value])) {
        lists++;
        n += (this.opts.variables?.[v.name.value] as unknown[]).length;
      }
    }
    return lists > 0 ? n : 1;
  }
}

/** Measures every operation of `doc` and returns, per measure, the largest one. */
export function analyzeDocument(doc: DocumentNode, schema: GraphQLSchema, opts: AnalysisOptions): DocumentStats {
  const a = new Analyzer(doc, schema, opts);
  const worst = { depth: 0, fields: 0, aliases: 0, directives: 0, cost: 0, predictionInputs: 0 };
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(def.operation) ?? undefined;
    const m = a.selectionSet(def.selectionSet, root);
    const directives = m.directives + (def.directives?.length ?? 0);
    const inputs = def.operation === 'mutation' ? a.predictionInputs(def.selectionSet) : 0;
    worst.depth = Math.max(worst.depth, m.depth);
    worst.fields = Math.max(worst.fields, m.fields);
    worst.aliases = Math.max(worst.aliases, m.aliases);
    worst.directives = Math.max(worst.directives, directives);
    worst.cost = Math.max(worst.cost, m.cost);
    worst.predictionInputs = Math.max(worst.predictionInputs, inputs);
  }
  return { ...worst, visits: a.visits };
}
