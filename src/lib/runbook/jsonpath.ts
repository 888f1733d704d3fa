import {UsageError} from '../errors/errors.js'

type Segment = {key: string} | {index: number} | {wildcard: true} | {descend: string}

/**
 * The JSONPath subset SSM output Selectors use: `$`, `.Key`, `['Key']`, `[0]`, `[*]`, `.*` and `..Key`.
 * A path with a wildcard or `..` yields a list; otherwise a single value (undefined when absent).
 */
export function selectJsonPath(data: unknown, selector: string): unknown {
  const segments = parseJsonPath(selector)
  let current: unknown[] = [data]
  let many = false
  for (const segment of segments) {
    const next: unknown[] = []
    for (const value of current) {
      if ('key' in segment) {
        if (value && typeof value === 'object' && !Array.isArray(value) && segment.key in value) next.push((value as Record<string, unknown>)[segment.key])
      } else if ('index' in segment) {
        if (Array.isArray(value)) {
          const item = value.at(segment.index)
          if (item !== undefined) next.push(item)
        }
      } else if ('wildcard' in segment) {
        many = true
        if (Array.isArray(value)) next.push(...value)
        else if (value && typeof value === 'object') next.push(...Object.values(value))
      } else {
        many = true
        collect(value, segment.descend, next)
      }
    }
    current = next
  }
  return many ? current : current[0]
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

/** Throws a UsageError naming the selector when it is outside the supported subset. */
export function parseJsonPath(selector: string): Segment[] {
  const fail = (why: string) => new UsageError(`Selector "${selector}" ${why}; write it like $.DBInstances[0].DBInstanceStatus.`, 'InvalidSelector')
  // SSM reads a selector without $ (SnapshotId, Snapshots[0].State) from the root of the response.
  const path = selector.startsWith('$') ? selector : `$.${selector}`
  const segments: Segment[] = []
  const token = /\.\.([A-Za-z0-9_$-]+)|\.([A-Za-z0-9_$-]+)|\.\*|\[(-?\d+)\]|\[\*\]|\['([^']+)'\]|\["([^"]+)"\]/y
  let offset = 1
  while (offset < path.length) {
    token.lastIndex = offset
    const m = token.exec(path)
    if (!m) throw fail(`has something unsupported at "${path.slice(offset)}"`)
    if (m[1] !== undefined) segments.push({descend: m[1]})
    else if (m[2] !== undefined) segments.push({key: m[2]})
    else if (m[3] !== undefined) segments.push({index: Number(m[3])})
    else if (m[4] !== undefined || m[5] !== undefined) segments.push({key: (m[4] ?? m[5])!})
    else segments.push({wildcard: true})
    offset = token.lastIndex
  }
  return segments
}
