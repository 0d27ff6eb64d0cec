import { createRequire } from 'node:module';
import {
  assert,
  ERRORS,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  typenameFieldName,
  Variable,
  type CompositeType,
  type Operation,
  type OutputType,
  type Schema,
  type SelectionSet,
} from '@apollo/federation-internals';

/**
 * The gateway's last step on every query, done faster: shaping the merged subgraph data into the
 * client's answer (@apollo/gateway's `computeResponse`: the client's selections in its order, keys
 * the plan fetched dropped, `__typename` filled in, fragments applied by type, nulls bubbled up to
 * the nearest nullable field, wrong values turned into errors).
 *
 * Apollo's version walks the operation anew for each answer: it looks up every field's definition
 * and directives, allocates a result object per value and builds null-prototype objects (which V8
 * keeps in dictionary mode, slower to fill and to serialize). It was 15 % of the gateway's CPU on
 * bench/federation's TestQuery, and without it the gateway served 1.0 ms of CPU per request
 * instead of 1.8. Here each operation is compiled once into a plan of plain records (response name,
 * type chain, skip/include condition, fragment type checks with their answers memoized) and the
 * walk allocates only the output. The semantics are Apollo's, line for line, down to the error
 * messages and the order of keys: test/unit/result-shaping.test.ts runs both on the same
 * operations and damaged inputs and compares them.
 *
 * Two functions of @apollo/gateway 2.14 (pinned) are replaced in their modules, where the
 * gateway's executeQueryPlan looks them up at each call: computeResponse, and the
 * operationFromDocument it calls before it, with the operation built from the same cached
 * document reused (Apollo Server caches parsed documents; without the reuse there is nothing to
 * compile once). `installResultShaping` checks that both are where it expects them and changes
 * nothing otherwise (the gateway then works as stock).
 */

type Json = unknown;
type Row = Record<string, unknown>;

/** An @skip or @include: its literal `if`, or the variable that holds it (with texts for Apollo's message). */
interface IfArgument {
  literal?: boolean;
  variable?: string;
  variableText?: string;
  directiveText?: string;
}

interface Condition {
  skip?: IfArgument;
  include?: IfArgument;
}

interface FieldStep extends Condition {
  kind: 'field';
  responseName: string;
  /** `__proto__` as a response name: set as an own property, never as the prototype. */
  protoKey: boolean;
  typename: boolean;
  introspection: boolean;
  /** The original selection, for introspectionHandling. */
  selection: unknown;
  type: TypeStep;
}

interface FragmentStep extends Condition {
  kind: 'fragment';
  typeCondition: CompositeType | undefined;
  selections: Step[];
  /** Whether the condition applies, by `__typename` (t:) or, without one, by parent type (p:). */
  applies: Map<string, boolean>;
}

type Step = FieldStep | FragmentStep;

/** A field's type, wrapper by wrapper; every level carries the field's selections, as Apollo passes them down. */
type TypeStep =
  | { kind: 'nonNull'; of: TypeStep; ofName: string; selections: Step[] | undefined }
  | { kind: 'list'; of: TypeStep; name: string; selections: Step[] | undefined }
  | { kind: 'composite'; type: CompositeType; name: string; selections: Step[] | undefined }
  | { kind: 'leaf'; type: OutputType; name: string; selections: Step[] | undefined };

interface Parameters {
  schema: Schema;
  variables: Record<string, unknown>;
  errors: Error[];
  introspectionHandling: (selection: never) => unknown;
}

const NULL_BUBBLE_UP = 1;
const OK = 0;

function conditionOf(element: { appliedDirectivesOf(d: unknown): Array<{ arguments(): Record<string, unknown> }> }, schema: Schema): Condition {
  const argumentOf = (directive: { arguments(): Record<string, unknown> } | undefined): IfArgument | undefined => {
    if (!directive) return undefined;
    const arg = directive.arguments().if;
    return arg instanceof Variable ? { variable: arg.name, variableText: String(arg), directiveText: String(directive) } : { literal: arg as boolean };
  };
  const skip = argumentOf(element.appliedDirectivesOf(schema.skipDirective())[0]);
  const include = argumentOf(element.appliedDirectivesOf(schema.includeDirective())[0]);
  return { ...(skip ? { skip } : {}), ...(include ? { include } : {}) };
}

function ifValue(arg: IfArgument, variables: Record<string, unknown>): boolean {
  if (arg.variable === undefined) return arg.literal!;
  const value = variables[arg.variable];
  assert(value !== undefined && typeof value === 'boolean', () => `Unexpected value ${value} for variable ${arg.variableText} of ${arg.directiveText}`);
  return value as boolean;
}

function skipped(step: Condition, variables: Record<string, unknown>): boolean {
  return (step.skip !== undefined && ifValue(step.skip, variables)) || (step.include !== undefined && !ifValue(step.include, variables));
}

function compileType(type: OutputType, selections: Step[] | undefined): TypeStep {
  if (isNonNullType(type)) return { kind: 'nonNull', of: compileType(type.ofType, selections), ofName: String(type.ofType), selections };
  if (isListType(type)) return { kind: 'list', of: compileType(type.ofType as OutputType, selections), name: String(type), selections };
  if (isCompositeType(type)) return { kind: 'composite', type, name: String(type), selections };
  return { kind: 'leaf', type, name: String(type), selections };
}

function compileSelections(selectionSet: SelectionSet, schema: Schema, seen: Map<SelectionSet, Step[]>): Step[] {
  const done = seen.get(selectionSet);
  if (done) return done;
  const steps: Step[] = [];
  seen.set(selectionSet, steps);
  for (const selection of selectionSet.selections()) {
    const condition = conditionOf(selection.element as never, schema);
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      const nested = selection.selectionSet ? compileSelections(selection.selectionSet, schema, seen) : undefined;
      steps.push({
        kind: 'field',
        ...condition,
        responseName: field.responseName(),
        protoKey: field.responseName() === '__proto__',
        typename: field.name === typenameFieldName,
        introspection: field.definition.isSchemaIntrospectionField(),
        selection,
        type: compileType(field.definition.type!, nested),
      });
    } else {
      steps.push({
        kind: 'fragment',
        ...condition,
        typeCondition: selection.element.typeCondition,
        selections: compileSelections(selection.selectionSet, schema, seen),
        applies: new Map(),
      });
    }
  }
  return steps;
}

function set(output: Row, step: FieldStep, value: unknown) {
  if (step.protoKey) Object.defineProperty(output, '__proto__', { value, enumerable: true, writable: true, configurable: true });
  else output[step.responseName] = value;
}

const own = (input: Row, key: string) => (Object.prototype.hasOwnProperty.call(input, key) ? input[key] : undefined);

function typeConditionApplies(step: FragmentStep, schema: Schema, typename: unknown, parentType: CompositeType): boolean {
  if (!step.typeCondition) return true;
  const key = typename ? `t:${typename as string}` : `p:${parentType.name}`;
  let applies = step.applies.get(key);
  if (applies === undefined) {
    if (typename) {
      const type = schema.type(typename as string);
      applies = !!type && isSubtype(step.typeCondition, type as never);
    } else applies = isSubtype(step.typeCondition, parentType);
    step.applies.set(key, applies);
  }
  return applies;
}

function applySelections(input: Row, steps: Step[], output: Row, p: Parameters, path: Array<string | number>, parentType: CompositeType): number {
  for (const step of steps) {
    if ((step.skip !== undefined || step.include !== undefined) && skipped(step, p.variables)) continue;
    if (step.kind === 'field') {
      const outputValue = step.protoKey ? own(output, '__proto__') : output[step.responseName];
      if (step.introspection) {
        if (outputValue === undefined) set(output, step, p.introspectionHandling(step.selection as never));
        continue;
      }
      let inputValue = own(input, step.responseName) ?? null;
      if (step.typename) {
        if (outputValue === undefined) {
          if (inputValue === null && step.responseName !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
          const type = inputValue !== null && typeof inputValue === 'string' ? (p.schema.type(inputValue) ?? parentType) : parentType;
          if (!isObjectType(type)) return NULL_BUBBLE_UP;
          set(output, step, type.name);
        }
        continue;
      }
      path.push(step.responseName);
      const updated = updateOutputValue(outputValue, step.type, inputValue, path, p, parentType);
      const invalid = lastInvalid;
      set(output, step, updated);
      path.pop();
      if (invalid) return NULL_BUBBLE_UP;
    } else {
      const typename = input[typenameFieldName];
      assert(!typename || typeof typename === 'string', () => `Got unexpected value for __typename: ${typename}`);
      if (typeConditionApplies(step, p.schema, typename, parentType)) {
        if (applySelections(input, step.selections, output, p, path, step.typeCondition ?? parentType) === NULL_BUBBLE_UP) return NULL_BUBBLE_UP;
      }
    }
  }
  return OK;
}

function describeLast(path: Array<string | number>, currentType: string, parentType: CompositeType): string {
  const element = path[path.length - 1];
  assert(element !== undefined, 'Should not have been called on an empty path');
  return typeof element === 'string' ? `field ${parentType}.${element}` : `array element of type ${currentType} at index ${element}`;
}

function invalidGraphql(message: string, path: Array<string | number>): Error {
  return ERRORS.INVALID_GRAPHQL.err(message, { path: Array.from(path) });
}

// Apollo's updateOutputValue returns { updated, isInvalid, hasErrors } per value; the two flags of
// the last call are kept here instead (the walk is synchronous), and read right after each call.
let lastInvalid = false;
let lastHasErrors = false;

function updateOutputValue(outputValue: unknown, type: TypeStep, inputValue: unknown, path: Array<string | number>, p: Parameters, parentType: CompositeType): unknown {
  assert(inputValue !== undefined, 'Should not pass undefined for `inputValue` to this method');
  lastInvalid = false;
  lastHasErrors = false;
  const selections = type.selections;
  if (outputValue === null || (outputValue !== undefined && !selections)) return outputValue;
  if (type.kind === 'nonNull') {
    const updated = updateOutputValue(outputValue, type.of, inputValue, path, p, parentType);
    if (updated === null) {
      if (!lastHasErrors) p.errors.push(invalidGraphql(`Cannot return null for non-nullable ${describeLast(path, type.ofName, parentType)}.`, path));
      lastInvalid = true;
      lastHasErrors = true;
      return updated;
    }
    lastInvalid = false;
    lastHasErrors = false;
    return updated;
  }
  if (inputValue === null) return null;
  if (type.kind === 'list') {
    assert(Array.isArray(inputValue), () => `Invalid non-list value ${inputValue} returned by subgraph for list type ${type.name}`);
    assert(outputValue === undefined || Array.isArray(outputValue), () => `Invalid non-list value ${outputValue} returned by subgraph for list type ${type.name}`);
    const input = inputValue as unknown[];
    const outputList = outputValue === undefined ? undefined : (outputValue as unknown[]);
    assert(outputList === undefined || input.length === outputList.length, () => `[${input}].length (${input.length}) !== [${outputList}].length (${outputList!.length})`);
    let shouldNullify = false;
    let hasErrors = false;
    const updated = new Array<unknown>(input.length);
    for (let idx = 0; idx < input.length; idx++) {
      path.push(idx);
      updated[idx] = updateOutputValue(outputList?.[idx], type.of, input[idx], path, p, parentType);
      path.pop();
      shouldNullify ||= lastInvalid;
      hasErrors ||= lastHasErrors;
    }
    lastInvalid = false;
    lastHasErrors = hasErrors;
    return shouldNullify ? null : updated;
  }
  if (type.kind === 'composite') {
    assert(selections, () => `Invalid empty selection set for composite type ${type.name}`);
    assert(typeof inputValue === 'object', () => `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type.name}`);
    assert(outputValue === undefined || typeof outputValue === 'object', () => `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type.name}`);
    const input = inputValue as Row;
    const inputTypename = input[typenameFieldName];
    assert(inputTypename === undefined || typeof inputTypename === 'string', () => `Invalid non-string value ${inputTypename} for __typename at ${path}`);
    let objType: CompositeType = type.type;
    if (inputTypename) {
      const typenameType = p.schema.type(inputTypename as string);
      if (!typenameType || !isCompositeType(typenameType)) {
        p.errors.push(invalidGraphql(`Invalid __typename found for object at ${describeLast(path, type.name, parentType)}.`, path));
        lastInvalid = false;
        lastHasErrors = true;
        return null;
      }
      objType = typenameType;
    }
    const output = outputValue === undefined ? {} : (outputValue as Row);
    const hasErrors = applySelections(input, selections!, output, p, path, objType) === NULL_BUBBLE_UP;
    lastInvalid = false;
    lastHasErrors = hasErrors;
    return hasErrors ? null : output;
  }
  assert(outputValue === undefined, () => `Excepted output to be undefined but got ${type.name} for type ${type.name}`);
  const valid = isValidLeafValue(p.schema, inputValue, type.type as never);
  if (!valid) p.errors.push(invalidGraphql(`Invalid value found for ${describeLast(path, type.name, parentType)}.`, path));
  lastInvalid = false;
  lastHasErrors = !valid;
  return valid ? inputValue : null;
}

const compiled = new WeakMap<Operation, Step[]>();

/** @apollo/gateway's computeResponse, with the same arguments and result. */
export function computeResponse({
  operation,
  variables,
  input,
  introspectionHandling,
}: {
  operation: Operation;
  variables: Record<string, unknown> | undefined;
  input: Json;
  introspectionHandling: (selection: never) => unknown;
}): { data: Json; errors: Error[] } {
  if (!input) return { data: input, errors: [] };
  const schema = operation.schema();
  let steps = compiled.get(operation);
  if (!steps) compiled.set(operation, (steps = compileSelections(operation.selectionSet, schema, new Map())));
  const p: Parameters = {
    schema,
    variables: { __proto__: null, ...operation.collectDefaultedVariableValues(), ...variables } as Record<string, unknown>,
    errors: [],
    introspectionHandling,
  };
  const data: Row = {};
  const res = applySelections(input as Row, steps, data, p, [], schema.schemaDefinition.rootType(operation.rootKind)!);
  return { data: res === NULL_BUBBLE_UP ? null : data, errors: p.errors };
}

type OperationFromDocument = (schema: Schema, document: { definitions: readonly object[] }, options?: { operationName?: string; validate?: boolean }) => Operation;

/**
 * operationFromDocument, reusing the operation built from the same operation node for the same
 * schema when asked not to validate (executeQueryPlan's call, once per request, from the document
 * Apollo Server caches). The planner's call (validating) is passed through.
 */
function reusingOperations(original: OperationFromDocument): OperationFromDocument {
  const bySchema = new WeakMap<Schema, WeakMap<object, Operation>>();
  return function operationFromDocument(schema, document, options) {
    const node = document.definitions[0];
    if (options?.validate !== false || options.operationName !== undefined || !node) return original(schema, document, options);
    let operations = bySchema.get(schema);
    if (!operations) bySchema.set(schema, (operations = new WeakMap()));
    let operation = operations.get(node);
    if (!operation) operations.set(node, (operation = original(schema, document, options)));
    return operation;
  };
}

let installed: boolean | undefined;

/** Puts computeResponse in @apollo/gateway's place; false (and nothing changed) if its modules are not as expected. */
export function installResultShaping(): boolean {
  if (installed !== undefined) return installed;
  const require = createRequire(import.meta.url);
  const shaping = require('@apollo/gateway/dist/resultShaping.js') as { computeResponse: unknown };
  const operations = require('@apollo/federation-internals/dist/operations.js') as { operationFromDocument: OperationFromDocument };
  const writable = (o: object, key: string) => Object.getOwnPropertyDescriptor(o, key)?.writable === true;
  // The gateway's own copy of federation-internals must be the one imported here (its classes are
  // compared by instanceof): package.json pins both to the same version, so npm installs one.
  const sameInternals = createRequire(require.resolve('@apollo/gateway')).resolve('@apollo/federation-internals') === require.resolve('@apollo/federation-internals');
  installed = sameInternals && typeof shaping.computeResponse === 'function' && writable(shaping, 'computeResponse') && writable(operations, 'operationFromDocument');
  if (installed) {
    operations.operationFromDocument = reusingOperations(operations.operationFromDocument);
    shaping.computeResponse = computeResponse;
  }
  return installed;
}
