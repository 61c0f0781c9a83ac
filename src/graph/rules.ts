import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';

/** The gateway's own validation rules (besides graphql-armor's depth, alias and cost limits). */

/** The mutations that ask the PVWA to check a password or a one-time code. */
const LOGON_FIELDS = new Set(['logon', 'respondToLogonChallenge']);

/**
 * At most one `logon` or `respondToLogonChallenge` per operation, aliases and fragments counted:
 * each is a try against the Vault's lockout, so a document may not multiply them. Refused as a
 * validation error, before any PVWA call.
 */
export function oneLogonPerOperation(context: ValidationContext): ASTVisitor {
  const count = (selections: SelectionSetNode, seen: Set<string>): number => {
    let n = 0;
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) {
        if (LOGON_FIELDS.has(selection.name.value)) n++;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        n += count(selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        // A fragment spread twice still counts each time; a fragment that spreads itself is
        // graphql-js's own error (NoFragmentCycles), not counted again here.
        const fragment = context.getFragment(selection.name.value);
        if (fragment) n += count(fragment.selectionSet, new Set([...seen, selection.name.value]));
      }
    }
    return n;
  };
  return {
    OperationDefinition(node) {
      if (node.operation !== 'mutation') return;
      const logons = count(node.selectionSet, new Set());
      if (logons > 1) {
        context.reportError(new GraphQLError(`At most one \`logon\` or \`respondToLogonChallenge\` per operation (this one has ${logons}): each is a try against the user's lockout.`, { nodes: node }));
      }
    },
  };
}
