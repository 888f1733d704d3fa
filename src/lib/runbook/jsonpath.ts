import {isDeepStrictEqual} from 'node:util'

import {UsageError} from '../errors/errors.js'

/** Whether an array's item (or an object itself) passes a `[?( )]` filter; `root` is what `$` paths inside it read. */
type Predicate = (item: unknown, root: unknown) => boolean
type Segment = {key: string} | {index: number} | {wildcard: true} | {descend: string} | {filter: Predicate}
type Fail = (why: string) => UsageError
type Selected = {values: unknown[]; many: boolean}

/** What a path selected: a list when it has a wildcard, `..` or a filter, otherwise the one value (undefined: none). */
const selected = ({values, many}: Selected) => (many ? values : values[0])

/**
 * The JSONPath SSM output Selectors and PropertySelectors use: `$`, `.Key`, `['Key']`, `[0]`, `[*]`, `.*`, `..Key`
 * and filters (`[?(@.State.Name == 'running' && @.Size > 8)]`). A path with a wildcard, `..` or a filter yields a list;
 * otherwise a single value (undefined when absent). A selector without a root is read under `$`, as SSM reads it.
 */
export function selectJsonPath(data: unknown, selector: string): unknown {
  return selected(evaluate(parseJsonPath(selector), data, data))
}

function evaluate(segments: Segment[], start: unknown, root: unknown): Selected {
  let values = [start]
  let many = false
  for (const segment of segments) {
    const next: unknown[] = []
    for (const value of values) follow(segment, value, root, next)
    many ||= !('key' in segment || 'index' in segment)
    values = next
  }
  return {values, many}
}

function follow(segment: Segment, value: unknown, root: unknown, into: unknown[]): void {
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value)
  if ('key' in segment) {
    if (isObject && segment.key in value) into.push((value as Record<string, unknown>)[segment.key])
  } else if ('index' in segment) {
    const item = Array.isArray(value) ? value.at(segment.index) : undefined
    if (item !== undefined) into.push(item)
  } else if ('wildcard' in segment) {
    if (Array.isArray(value)) into.push(...value)
    else if (isObject) into.push(...Object.values(value))
  } else if ('descend' in segment) {
    collect(value, segment.descend, into)
  } else if (Array.isArray(value)) {
    into.push(...value.filter((item) => segment.filter(item, root)))
  } else if (isObject && segment.filter(value, root)) {
    into.push(value)
  }
}

function collect(value: unknown, key: string, into: unknown[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, key, into)
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) {
        if (Array.isArray(v)) into.push(...v)
        else into.push(v)
      }
      collect(v, key, into)
    }
  }
}

/** Throws a UsageError naming the selector when it is outside the supported JSONPath. */
export function parseJsonPath(selector: string): Segment[] {
  const fail: Fail = (why) => new UsageError(`Selector "${selector}" ${why}; write it like $.DBInstances[0].DBInstanceStatus.`, 'InvalidSelector')
  if (selector.trim() === '') throw fail('is empty')
  // `SnapshotId` is `$.SnapshotId` and `[0].State` is `$[0].State`, as SSM reads them.
  const path = selector.startsWith('$') ? selector : selector.startsWith('[') ? `$${selector}` : `$.${selector}`
  const {segments, end} = readSegments(path, 1, fail)
  if (end < path.length) throw fail(`has something unsupported at "${path.slice(end)}"`)
  return segments
}

const segmentToken = /\.\.([A-Za-z0-9_$-]+)|\.([A-Za-z0-9_$-]+)|\.\*|\[(-?\d+)\]|\[\*\]|\['([^']+)'\]|\["([^"]+)"\]/y

/** The segments of a path from `offset` on, as far as they go. */
function readSegments(text: string, offset: number, fail: Fail): {segments: Segment[]; end: number} {
  const segments: Segment[] = []
  let at = offset
  for (;;) {
    if (text.startsWith('[?(', at)) {
      const close = filterEnd(text, at + 3, fail)
      segments.push({filter: new FilterParser(text.slice(at + 3, close), fail).parse()})
      at = close + 2
      continue
    }
    segmentToken.lastIndex = at
    const m = segmentToken.exec(text)
    if (!m) return {segments, end: at}
    if (m[1] !== undefined) segments.push({descend: m[1]})
    else if (m[2] !== undefined) segments.push({key: m[2]})
    else if (m[3] !== undefined) segments.push({index: Number(m[3])})
    else if (m[4] !== undefined || m[5] !== undefined) segments.push({key: (m[4] ?? m[5])!})
    else segments.push({wildcard: true})
    at = segmentToken.lastIndex
  }
}

/** Where the `)]` that closes a filter opened before `from` is, past quoted strings and nested parentheses. */
function filterEnd(text: string, from: number, fail: Fail): number {
  let depth = 0
  for (let i = from; i < text.length; i++) {
    const c = text[i]
    if (c === "'" || c === '"') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++
    } else if (c === '(') depth++
    else if (c === ')' && depth > 0) depth--
    else if (c === ')' && text[i + 1] === ']') return i
  }
  throw fail('has a filter [?( without its closing )]')
}

/** A side of a comparison: what it selects from the item (or the root); a literal selects itself and is no path. */
type Operand = {select(item: unknown, root: unknown): Selected; isPath: boolean}

const literal = /(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null)\b)/y

/** Numbers compare as numbers and strings as strings; a number equals the text of the same number. */
const equal = (a: unknown, b: unknown): boolean =>
  typeof a === 'number' && typeof b === 'string'
    ? b.trim() !== '' && Number(b) === a
    : typeof a === 'string' && typeof b === 'number'
      ? equal(b, a)
      : isDeepStrictEqual(a, b)
const ordered = (a: unknown, b: unknown, holds: (order: number) => boolean): boolean =>
  (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string') ? holds(a < b ? -1 : a > b ? 1 : 0) : false
const comparisons: Record<string, (a: unknown, b: unknown) => boolean> = {
  '==': equal,
  '!=': (a, b) => !equal(a, b),
  '<': (a, b) => ordered(a, b, (o) => o < 0),
  '<=': (a, b) => ordered(a, b, (o) => o <= 0),
  '>': (a, b) => ordered(a, b, (o) => o > 0),
  '>=': (a, b) => ordered(a, b, (o) => o >= 0),
}

/**
 * A filter's expression: comparisons (==, !=, <, <=, >, >=) of `@` paths (the item), `$` paths (the whole
 * response) and literals (strings in either quotes, numbers, true, false, null); a path alone tests that it exists;
 * `!`, `&&` (before `||`) and parentheses combine them.
 */
class FilterParser {
  private at = 0

  constructor(
    private readonly text: string,
    private readonly fail: Fail,
  ) {}

  parse(): Predicate {
    const predicate = this.either()
    if (this.text.slice(this.at).trim() !== '') throw this.unsupported()
    return predicate
  }

  private either(): Predicate {
    let left = this.both()
    while (this.eat('||')) {
      const [l, r] = [left, this.both()]
      left = (item, root) => l(item, root) || r(item, root)
    }
    return left
  }

  private both(): Predicate {
    let left = this.unary()
    while (this.eat('&&')) {
      const [l, r] = [left, this.unary()]
      left = (item, root) => l(item, root) && r(item, root)
    }
    return left
  }

  private unary(): Predicate {
    if (this.eat('!')) {
      const inner = this.unary()
      return (item, root) => !inner(item, root)
    }
    if (!this.eat('(')) return this.comparison()
    const inner = this.either()
    if (!this.eat(')')) throw this.unsupported()
    return inner
  }

  private comparison(): Predicate {
    const from = this.at
    const left = this.operand()
    const operator = ['==', '!=', '<=', '>=', '<', '>'].find((op) => this.eat(op))
    if (operator === undefined) {
      // Only a path stands alone (it exists); a lone literal is no condition.
      if (!left.isPath) throw this.unsupported(from)
      return (item, root) => left.select(item, root).values.length > 0
    }
    const right = this.operand()
    const compare = comparisons[operator]
    return (item, root) => compare(selected(left.select(item, root)), selected(right.select(item, root)))
  }

  private operand(): Operand {
    this.skipSpace()
    const start = this.text[this.at]
    if (start === '@' || start === '$') {
      const {segments, end} = readSegments(this.text, this.at + 1, this.fail)
      this.at = end
      return {isPath: true, select: (item, root) => evaluate(segments, start === '@' ? item : root, root)}
    }
    literal.lastIndex = this.at
    const m = literal.exec(this.text)
    if (!m) throw this.unsupported()
    this.at = literal.lastIndex
    const value = m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? JSON.parse(m[4]) : (m[1] ?? m[2]).replace(/\\(.)/g, '$1')
    return {isPath: false, select: () => ({values: [value], many: false})}
  }

  private eat(token: string): boolean {
    this.skipSpace()
    // `!` is negation only where `!=` is not meant.
    if (!this.text.startsWith(token, this.at) || (token === '!' && this.text[this.at + 1] === '=')) return false
    this.at += token.length
    return true
  }

  private skipSpace(): void {
    while (/\s/.test(this.text.charAt(this.at))) this.at++
  }

  private unsupported(at = this.at): UsageError {
    return this.fail(`has something unsupported in its filter at "${this.text.slice(at).trim() || 'its end'}"`)
  }
}
