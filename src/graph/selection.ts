import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isObjectType,
  Kind,
  type GraphQLResolveInfo,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/** A field the resolving field's selection asks for, with its arguments. */
export interface SelectedField {
  name: string;
  /** Its arguments with variables and defaults applied, as its own resolver will get them. */
  args: Record<string, unknown>;
}

/**
 * The fields of the resolving field's (object) type that its selection asks for, through
 * fragments, and leaving out those `@skip` or `@include` drop. For a resolver that must check its
 * subfields' arguments before it calls the PVWA: their own resolvers only run after it.
 */
export function selectedFields(info: GraphQLResolveInfo): SelectedField[] {
  const type = getNamedType(info.returnType);
  if (!isObjectType(type)) return [];
  const definitions = type.getFields();
  const fields: SelectedField[] = [];
  const fragmentsSeen = new Set<string>();
  const visit = (selectionSet: SelectionSetNode | undefined): void => {
    for (const selection of selectionSet?.selections ?? []) {
      if (!included(selection, info.variableValues)) continue;
      if (selection.kind === Kind.FIELD) {
        const definition = definitions[selection.name.value];
        if (definition) fields.push({ name: definition.name, args: getArgumentValues(definition, selection, info.variableValues) });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!fragmentsSeen.has(selection.name.value)) {
        // As graphql-js collects fields: each named fragment once.
        fragmentsSeen.add(selection.name.value);
        visit(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return fields;
}

function included(selection: SelectionNode, variables: Record<string, unknown>): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, selection, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, selection, variables)?.if !== false;
}
