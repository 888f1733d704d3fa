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

/**
 * The forms SSM resolves: `Name`, `step.Output`, `global:…`, `automation:…`, `variable:…`, `ssm:…` and `ssm-secure:…`.
 * Anything else between double braces (`{{ print $2 }}` in a shell command, `{{ }}` in a script) is text SSM leaves
 * as it is: undefined.
 */
export function parseReference(text: string): Reference | undefined {
  if (/^(global|automation):[A-Za-z0-9_]+$/.test(text)) return {kind: 'automation', name: text, text}
  if (/^variable:[A-Za-z0-9_-]+$/.test(text)) return {kind: 'variable', name: text.slice('variable:'.length), text}
  if (/^ssm(-secure)?:\S+$/.test(text)) return {kind: 'parameter-store', text}
  const output = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_.-]+)$/.exec(text)
  if (output) return {kind: 'output', step: output[1], output: output[2], text}
  if (/^[A-Za-z0-9_-]+$/.test(text)) return {kind: 'parameter', name: text, text}
  return undefined
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
  return referenceSpansIn(value).map((span) => span.reference)
}

/** The spans of a string that are references, each with what it refers to. */
function referenceSpansIn(value: string): (Span & {reference: Reference})[] {
  return spansIn(value).flatMap((span) => {
    const reference = parseReference(span.text)
    return reference ? [{...span, reference}] : []
  })
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
    const spans = referenceSpansIn(value)
    if (spans.length === 1 && spans[0].start === 0 && spans[0].end === value.length) return resolve(spans[0].reference)
    let text = ''
    let from = 0
    for (const span of spans) {
      const resolved = resolve(span.reference)
      text += value.slice(from, span.start) + (typeof resolved === 'string' ? resolved : JSON.stringify(resolved))
      from = span.end
    }
    return text + value.slice(from)
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, resolve))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, resolve)]))
  return value
}
