import {readFile} from 'node:fs/promises'

import {isMap, isScalar, isSeq, LineCounter, type Node, parseDocument} from 'yaml'

import {UsageError} from '../errors/errors.js'
import type {Finding} from './types.js'

/**
 * A mutelist entry: every field given must match (a list matches when any item does); `*` and `?`
 * are wildcards. A matching entry turns FAIL into MUTED and its reason is shown beside the finding.
 */
export interface MuteEntry {
  reason: string
  check?: string[]
  resource?: string[]
  account?: string[]
  region?: string[]
  tags?: Record<string, string>
}

export interface Mutelist {
  file: string
  entries: MuteEntry[]
  /** True when an entry matches on tags, so inventories must fetch tags that cost a call per resource. */
  usesTags: boolean
}

const LIST_FIELDS = ['check', 'resource', 'account', 'region'] as const
const FIELDS = new Set<string>(['reason', 'tags', ...LIST_FIELDS])

const globToRegExp = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  )
const isPattern = (value: string) => /[*?]/.test(value)

/** Reads and validates a mutelist file; a malformed one is a usage error naming the line and the reason. */
export async function loadMutelist(file: string, knownCheckIds: readonly string[]): Promise<Mutelist> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `Cannot read mutelist ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path given to --mutelist.`,
      'InvalidMutelist',
    )
  }
  return parseMutelist(text, file, knownCheckIds)
}

export function parseMutelist(text: string, file: string, knownCheckIds: readonly string[]): Mutelist {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, uniqueKeys: true})
  const fail = (node: Node | null | undefined, reason: string, offset?: number): never => {
    const line = lineCounter.linePos(offset ?? node?.range?.[0] ?? 0).line
    throw new UsageError(`Mutelist ${file} line ${line}: ${reason}; fix the file and run again.`, 'InvalidMutelist')
  }
  if (doc.errors.length > 0) fail(null, doc.errors[0].message.split('\n')[0], doc.errors[0].pos[0])
  const root = doc.contents
  const list = isMap(root) ? root.get('mutelist', true) : undefined
  if (!isMap(root) || !isSeq(list)) fail(root, 'expected a top-level "mutelist:" key holding a list of entries')
  const entries = (list as unknown as {items: unknown[]}).items.map((item) => {
    if (!isMap(item)) return fail(item as Node, 'each entry must be a mapping with a reason and at least a check or a resource')
    const entry: MuteEntry = {reason: ''}
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      const value = pair.value as Node | null
      if (!FIELDS.has(key)) fail(pair.key as Node, `unknown field "${key}" (allowed: ${[...FIELDS].join(', ')})`)
      if (key === 'reason') {
        if (!isScalar(value) || String(value.value ?? '').trim() === '') fail(value ?? item, 'the reason must be a non-empty sentence')
        entry.reason = String((value as {value: unknown}).value).trim()
      } else if (key === 'tags') {
        if (!isMap(value) || value.items.some((p) => !isScalar(p.key) || !isScalar(p.value))) fail(value ?? item, 'tags must map tag keys to values')
        entry.tags = Object.fromEntries(
          (value as {items: {key: {value: unknown}; value: {value: unknown}}[]}).items.map((p) => [String(p.key.value), String(p.value.value)]),
        )
      } else {
        const values = isScalar(value) ? [value] : isSeq(value) ? value.items : fail(value ?? item, `${key} must be a string or a list of strings`)
        entry[key as (typeof LIST_FIELDS)[number]] = values.map((v) => {
          if (!isScalar(v) || v.value === null || v.value === '') return fail((v as Node) ?? value, `${key} values must be non-empty strings`)
          const text = String(v.value)
          if (key === 'check' && !isPattern(text) && !knownCheckIds.includes(text))
            fail(v, `unknown check "${text}"; run "opsctl compliance list" to see the check ids`)
          return text
        })
      }
    }
    if (!entry.reason) fail(item, 'every entry needs a reason')
    if (!entry.check && !entry.resource) fail(item, 'an entry needs a check or a resource, so that it cannot mute everything by accident')
    return entry
  })
  return {file, entries, usesTags: entries.some((e) => e.tags !== undefined)}
}

function matches(entry: MuteEntry, finding: Finding, tags: Record<string, string> | undefined): boolean {
  const any = (patterns: string[] | undefined, ...values: (string | undefined)[]) =>
    patterns === undefined || patterns.some((p) => values.some((v) => v !== undefined && globToRegExp(p).test(v)))
  return (
    any(entry.check, finding.checkId) &&
    any(entry.resource, finding.resourceId, finding.resourceArn) &&
    any(entry.account, finding.accountId) &&
    any(entry.region, finding.region) &&
    Object.entries(entry.tags ?? {}).every(([key, value]) => tags?.[key] !== undefined && globToRegExp(value).test(tags[key]))
  )
}

/** The first entry muting this failed finding, if any. */
export function muteEntryFor(mutelist: Mutelist | undefined, finding: Finding, tags: Record<string, string> | undefined): MuteEntry | undefined {
  return mutelist?.entries.find((entry) => matches(entry, finding, tags))
}
