/** `{{ Name }}`, `{{ step.Output }}`, `{{ variable:Name }}`, `{{ global:REGION }}`, `{{ ssm:/path }}`. */
const referencePattern = /\{\{\s*([^{}]*?)\s*\}\}/g
const wholeReference = /^\{\{\s*([^{}]*?)\s*\}\}$/

/** The automation variables SSM provides to every execution. */
export const automationVariables = [
  'global:ACCOUNT_ID', 'global:REGION', 'global:DATE', 'global:DATE_TIME', 'global:AWS_PARTITION', 'global:URL_SUFFIX',
  'automation:EXECUTION_ID',
] as const

export type Reference =
  | {kind: 'parameter'; name: string; text: string}
  | {kind: 'variable'; name: string; text: string}
  | {kind: 'automation'; name: string; text: string}
  | {kind: 'output'; step: string; output: string; text: string}
  | {kind: 'parameter-store'; text: string}

export function parseReference(text: string): Reference {
  if (/^(global|automation):/.test(text)) return {kind: 'automation', name: text, text}
  if (text.startsWith('variable:')) return {kind: 'variable', name: text.slice('variable:'.length).trim(), text}
  if (text.startsWith('ssm:') || text.startsWith('ssm-secure:')) return {kind: 'parameter-store', text}
  const dot = text.indexOf('.')
  if (dot > 0) return {kind: 'output', step: text.slice(0, dot), output: text.slice(dot + 1), text}
  return {kind: 'parameter', name: text, text}
}

/** Every `{{ }}` reference in a string. */
export function referencesIn(value: string): Reference[] {
  return [...value.matchAll(referencePattern)].map((m) => parseReference(m[1]))
}

/** Every string inside a value (for walking inputs), with its path. */
export function* stringsIn(value: unknown, path: (string | number)[] = []): Generator<{value: string; path: (string | number)[]}> {
  if (typeof value === 'string') yield {value, path}
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* stringsIn(v, [...path, i])
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* stringsIn(v, [...path, k])
}

/**
 * Replaces references in a value. A string that is one reference alone takes the referenced value
 * as it is (a list stays a list, as in SSM); references inside longer strings are rendered as text.
 */
export function interpolate(value: unknown, resolve: (reference: Reference) => unknown): unknown {
  if (typeof value === 'string') {
    const whole = wholeReference.exec(value)
    if (whole) return resolve(parseReference(whole[1]))
    return value.replace(referencePattern, (_, text: string) => {
      const resolved = resolve(parseReference(text))
      return typeof resolved === 'string' ? resolved : JSON.stringify(resolved)
    })
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, resolve))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, resolve)]))
  return value
}
