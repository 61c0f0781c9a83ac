import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';

/**
 * The import graph of src/ as docs/ARCHITECTURE.md draws it: no circle, and every import points to
 * its own floor or one below (the floors and rules are .dependency-cruiser.cjs's).
 */
const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as {
  forbidden: IForbiddenRuleType[];
  options: { tsPreCompilationDeps: boolean; includeOnly: string; doNotFollow: { path: string } };
};

describe('the import graph of src/', () => {
  it('has no circle and no import from a lower floor to a higher one', async () => {
    const { output } = await cruise(['src'], {
      ...config.options,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
    }, undefined, { tsConfig: { fileName: 'tsconfig.json' } } as never);
    const result = output as ICruiseResult;
    const violations = result.summary.violations.map((violation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`);
    expect(violations).toEqual([]);
    // The rules saw the whole tree, type-only imports included.
    expect(result.modules.some((module) => module.source === 'src/graph/context.ts')).toBe(true);
    expect(result.summary.totalCruised).toBe(result.modules.length);
  });
});
