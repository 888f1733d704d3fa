/** The comparison operators of aws:branch choices and aws:loop conditions. */
export const comparisonOperators: Record<string, (actual: unknown, expected: unknown) => boolean> = {
  StringEquals: (a, e) => String(a) === String(e),
  EqualsIgnoreCase: (a, e) => String(a).toLowerCase() === String(e).toLowerCase(),
  StartsWith: (a, e) => String(a).startsWith(String(e)),
  EndsWith: (a, e) => String(a).endsWith(String(e)),
  Contains: (a, e) => (Array.isArray(a) ? a.map(String).includes(String(e)) : String(a).includes(String(e))),
  NumericEquals: (a, e) => Number(a) === Number(e),
  NumericGreater: (a, e) => Number(a) > Number(e),
  NumericLesser: (a, e) => Number(a) < Number(e),
  NumericGreaterOrEquals: (a, e) => Number(a) >= Number(e),
  NumericLesserOrEquals: (a, e) => Number(a) <= Number(e),
  BooleanEquals: (a, e) => String(a).toLowerCase() === String(e).toLowerCase(),
}

export const logicalOperators = ['And', 'Or', 'Not'] as const

/**
 * Evaluates a condition whose `{{ }}` references are already resolved:
 * {Variable, <Operator>: value} or {And: [...]} / {Or: [...]} / {Not: condition}.
 */
export function evaluateCondition(condition: Record<string, unknown>): boolean {
  if (Array.isArray(condition.And)) return condition.And.every((c) => evaluateCondition(c as Record<string, unknown>))
  if (Array.isArray(condition.Or)) return condition.Or.some((c) => evaluateCondition(c as Record<string, unknown>))
  if (condition.Not && typeof condition.Not === 'object') {
    const inner = Array.isArray(condition.Not) ? condition.Not[0] : condition.Not
    return !evaluateCondition(inner as Record<string, unknown>)
  }
  const operator = Object.keys(condition).find((k) => k in comparisonOperators)
  return operator ? comparisonOperators[operator](condition.Variable, condition[operator]) : false
}
