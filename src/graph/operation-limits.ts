import {
  getNamedType, getNullableType, GraphQLError, isListType, isObjectType, isScalarType, Kind, typeFromAST,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLObjectType,
  type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValueNode,
} from 'graphql';
import { badUserInput } from '../errors.js';

/**
 * The limits an operation is held to once its variables are known, before it runs (so before any
 * PVWA call): the size of the answer it can be built to give, and the ids of all its bulk
 * mutations together. The document rules (apollo.ts: depth, aliases, cost) cannot see variables.
 *
 * The answer's size is an estimate from the document alone, made the same way for every
 * operation: each field its key plus a value (a scalar SCALAR_BYTES, a pass-through JSON value
 * PASS_THROUGH_BYTES), each list as many items as it can have: `first` items for the lists of a
 * page, the `ids` given for a bulk result, LIST_ITEMS for the other lists (an event's audits, ...).
 * It bounds what a document can ask for, not what a PVWA holds: an answer larger than its estimate
 * is still bounded by the answer budget (answer-budget.ts) and by the PVWA size caps.
 */

/** A scalar value and its punctuation, in JSON bytes (an id, a time, a score, a short text). */
export const SCALAR_BYTES = 24;
/** A pass-through JSON value (`raw`): an event's additionalData is a few hundred bytes. */
export const PASS_THROUGH_BYTES = 1024;
/** The items of a list that is not paged: an event's audits, spnList, sessionIds. */
export const LIST_ITEMS = 3;
/** Per object: its braces. */
const OBJECT_BYTES = 2;

export interface OperationLimits {
  /** The largest estimated answer, in bytes. */
  maxResponseBytes: number;
  /** The most ids all `updateEventStatuses` fields of an operation may take together. */
  bulkMaxIds: number;
}

type Variables = Readonly<Record<string, unknown>>;

/** The value of an argument: its literal, its variable's value (`read` is told), or its default. */
function argumentValue(field: FieldNode, definition: GraphQLField<unknown, unknown>, name: string, variables: Variables, read: () => void): unknown {
  const node = field.arguments?.find((argument) => argument.name.value === name)?.value;
  const fromNode = (value: ValueNode | undefined): unknown => {
    if (value === undefined) return undefined;
    switch (value.kind) {
      case Kind.VARIABLE:
        read();
        return variables[value.name.value];
      case Kind.INT: return Number(value.value);
      case Kind.LIST: return value.values;
      case Kind.NULL: return null;
      default: return undefined;
    }
  };
  const given = fromNode(node);
  return given !== undefined ? given : definition.args.find((argument) => argument.name === name)?.defaultValue;
}

const whole = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);

/** What one pass over an operation found. */
interface Measure {
  bytes: number;
  bulkIds: number;
  /** Pass-through values counted (each at PASS_THROUGH_BYTES). */
  passThroughValues: number;
  /** Whether a variable decided a count (then the measure holds for these variables only). */
  usedVariables: boolean;
}

class Estimator {
  readonly measure: Measure = { bytes: 0, bulkIds: 0, passThroughValues: 0, usedVariables: false };
  private readonly read = () => {
    this.measure.usedVariables = true;
  };
  private readonly fragments = new Map<string, FragmentDefinitionNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Variables,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  /** The bytes of a selection set on `type`, its lists counted `pageSize` items when it is a page's. */
  selectionBytes(selections: SelectionSetNode, type: GraphQLObjectType, pageSize: number | null, seen: ReadonlySet<string> = new Set()): number {
    let bytes = OBJECT_BYTES;
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) {
        bytes += this.fieldBytes(selection, type, pageSize);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? typeFromAST(this.schema, selection.typeCondition) : type;
        bytes += this.selectionBytes(selection.selectionSet, isObjectType(on) ? on : type, pageSize, seen) - OBJECT_BYTES;
      } else if (!seen.has(selection.name.value)) {
        const fragment = this.fragments.get(selection.name.value);
        const on = fragment && typeFromAST(this.schema, fragment.typeCondition);
        if (fragment) bytes += this.selectionBytes(fragment.selectionSet, isObjectType(on) ? on : type, pageSize, new Set([...seen, selection.name.value])) - OBJECT_BYTES;
      }
    }
    return bytes;
  }

  private fieldBytes(field: FieldNode, parent: GraphQLObjectType, pageSize: number | null): number {
    const key = (field.alias ?? field.name).value;
    const definition = parent.getFields()[field.name.value];
    // __typename, or a field of a union member's fragment: a short text.
    if (definition === undefined) return key.length + 3 + SCALAR_BYTES;
    let items = 1;
    let type = getNullableType(definition.type);
    if (isListType(type)) {
      const ids = argumentValue(field, definition, 'ids', this.variables, this.read);
      if (Array.isArray(ids)) {
        items = ids.length;
        if (field.name.value === 'updateEventStatuses') this.measure.bulkIds += ids.length;
      } else {
        items = pageSize ?? LIST_ITEMS;
      }
      type = getNullableType(type.ofType);
    }
    const named = getNamedType(type);
    const before = this.measure.passThroughValues;
    let value: number;
    if (isObjectType(named) && field.selectionSet) {
      // A field with `first` is a page: the lists directly in it hold `first` items.
      const first = definition.args.some((argument) => argument.name === 'first') ? whole(argumentValue(field, definition, 'first', this.variables, this.read)) : null;
      value = this.selectionBytes(field.selectionSet, named, first);
    } else if (isScalarType(named) && named.name === 'JSONObject') {
      value = PASS_THROUGH_BYTES;
      this.measure.passThroughValues++;
    } else if (field.selectionSet) {
      // An interface or union: the largest of its members' selections is not worth the work;
      // each member's fields are counted once, as if all were there.
      value = this.selectionBytes(field.selectionSet, parent, null);
    } else {
      value = SCALAR_BYTES;
    }
    // The pass-through values below this field appear once per item.
    this.measure.passThroughValues = before + (this.measure.passThroughValues - before) * items;
    return key.length + 3 + items * value;
  }
}

/** What checkOperationLimits found. */
export interface OperationSize {
  /** The estimated answer, in bytes. */
  bytes: number;
  /** How many pass-through values the answer can hold (each counted at PASS_THROUGH_BYTES). */
  passThroughValues: number;
  /** BAD_USER_INPUT naming the limit the operation is over (Apollo answers it 400); null when within. */
  error: GraphQLError | null;
}

/**
 * Measures of operations whose counts no variable decides, by operation: Apollo hands the same
 * parsed document to every request with the same text, so most requests measure nothing. A
 * document holds no session data (variables are apart), so the cache is shared; weak, it goes with
 * the documents Apollo keeps.
 */
const measured = new WeakMap<OperationDefinitionNode, Measure>();

/** The operation's estimated answer size and bulk ids, against the limits. */
export function checkOperationLimits(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Variables | undefined, limits: OperationLimits,
): OperationSize {
  let measure = measured.get(operation);
  if (measure === undefined) {
    const root = schema.getRootType(operation.operation);
    if (!root) return { bytes: 0, passThroughValues: 0, error: null };
    const estimator = new Estimator(schema, document, variables ?? {});
    estimator.measure.bytes = estimator.selectionBytes(operation.selectionSet, root, null);
    measure = estimator.measure;
    if (!measure.usedVariables) measured.set(operation, measure);
  }
  const { bytes, bulkIds, passThroughValues } = measure;
  let error: GraphQLError | null = null;
  if (bulkIds > limits.bulkMaxIds) {
    error = badUserInput(`\`updateEventStatuses\` may take at most ${limits.bulkMaxIds} ids in one operation, all its fields together (BULK_MAX_IDS); this one has ${bulkIds}.`, { argument: 'ids' });
  } else if (bytes > limits.maxResponseBytes) {
    error = badUserInput(`This operation could answer about ${Math.ceil(bytes / 1024)} KiB, more than MAX_RESPONSE_BYTES (${Math.floor(limits.maxResponseBytes / 1024)} KiB): ask for fewer events (\`first\`), fewer aliases, or leave out \`raw\`.`, { limit: 'MAX_RESPONSE_BYTES' });
  }
  if (error) error.extensions.http = { status: 400 };
  return { bytes, passThroughValues, error };
}
