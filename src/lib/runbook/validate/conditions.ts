import {comparisonOperators, logicalOperators} from '../conditions.js'
import type {NodePath} from '../document.js'
import type {Diagnostics} from './diagnostics.js'
import {isMapping} from './values.js'

/** A condition of an aws:branch choice (which also holds NextStep) or of aws:loop: Variable and one operator, or And, Or, Not. */
export function checkCondition(condition: Record<string, unknown>, path: NodePath, step: string, isChoice: boolean, d: Diagnostics): void {
  const keys = Object.keys(condition).filter((k) => !(isChoice && k === 'NextStep'))
  const logical = keys.filter((k) => (logicalOperators as readonly string[]).includes(k))
  if (logical.length > 0) {
    for (const op of logical) checkLogical(op, condition[op], [...path, op], step, d)
    return
  }
  const operators = keys.filter((k) => k in comparisonOperators)
  if (condition.Variable === undefined)
    d.error('condition', path, `A condition in step ${step} has no Variable.`, "add Variable: '{{ step.Output }}' or a parameter reference.")
  if (operators.length !== 1) {
    d.error(
      'condition',
      path,
      `A condition in step ${step} has ${operators.length === 0 ? 'no' : 'more than one'} operator.`,
      `use exactly one of ${Object.keys(comparisonOperators).join(', ')}, or And, Or, Not.`,
    )
  }
  for (const key of keys) {
    if (key !== 'Variable' && !(key in comparisonOperators)) {
      d.error(
        'condition',
        [...path, key],
        `Unknown operator ${key} in step ${step}.`,
        `${d.suggest(key, [...Object.keys(comparisonOperators), ...logicalOperators], 'operator')}`,
        true,
      )
    }
  }
}

/** And and Or take a list of conditions; Not takes one (as a condition or a list of one). */
function checkLogical(op: string, value: unknown, path: NodePath, step: string, d: Diagnostics): void {
  const single = op === 'Not' && !Array.isArray(value)
  const inner = single ? [value] : value
  if (!Array.isArray(inner) || inner.length === 0 || (op === 'Not' && inner.length !== 1)) {
    d.error(
      'condition',
      path,
      `${op} in step ${step} needs ${op === 'Not' ? 'one condition' : 'a list of conditions'}.`,
      `write ${op}: ${op === 'Not' ? 'Variable and an operator' : '- a list of Variable and operator pairs'}.`,
    )
    return
  }
  inner.forEach((c, i) => {
    const at = single ? path : [...path, i]
    if (isMapping(c)) checkCondition(c, at, step, false, d)
    else d.error('condition', at, `A condition under ${op} in step ${step} is not a mapping.`, 'write Variable and an operator.')
  })
}
