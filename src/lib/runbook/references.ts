/** The automation variables SSM provides to every execution. */
export const automationVariables = [
  'global:ACCOUNT_ID',
  'global:REGION',
  'global:DATE',
  'global:DATE_TIME',
  'global:AWS_PARTITION',
  'global:URL_SUFFIX',
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

/** A `{{ … }}` in a string: where it starts and ends, and the text between the braces, trimmed. */
interface Span {
  start: number
  end: number
  text: string
}

/**
 * Every `{{ text }}` of a string, where text holds no brace. One pass over the string: a regular expression
 * with lazy spaces on both sides (as this once was) backtracks quadratically on a long "{{   …" with no end.
 */
function spansIn(value: string): Span[] {
  const spans: Span[] = []
  let from = 0
  for (let open = value.indexOf('{{', from); open !== -1; open = value.indexOf('{{', from)) {
    let end = open + 2
    while (end < value.length && value[end] !== '{' && value[end] !== '}') end++
    if (value.startsWith('}}', end)) {
      spans.push({start: open, end: end + 2, text: value.slice(open + 2, end).trim()})
      from = end + 2
    } else {
      // A brace that is not "}}" ends this try; the next "{{" starts at that brace at the earliest ("{{{" included).
      from = Math.max(open + 1, end - 1)
    }
  }
  return spans
}

/** Every `{{ }}` reference in a string. */
export function referencesIn(value: string): Reference[] {
  return spansIn(value).map((span) => parseReference(span.text))
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
    const spans = spansIn(value)
    if (spans.length === 1 && spans[0].start === 0 && spans[0].end === value.length) return resolve(parseReference(spans[0].text))
    let text = ''
    let from = 0
    for (const span of spans) {
      const resolved = resolve(parseReference(span.text))
      text += value.slice(from, span.start) + (typeof resolved === 'string' ? resolved : JSON.stringify(resolved))
      from = span.end
    }
    return text + value.slice(from)
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, resolve))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, resolve)]))
  return value
}
