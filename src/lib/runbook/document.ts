import {open} from 'node:fs/promises'

import {CORE_SCHEMA, type LoadOptions, load, YAMLException} from 'js-yaml'
import {Composer, isMap, isPair, isScalar, isSeq, LineCounter, type Node, Parser, type YAMLMap} from 'yaml'

/** A place in a document file, 1-based, for messages a user can jump to. */
export interface Position {
  line: number
  column: number
}

/** A path into the document: keys and indexes, e.g. ['mainSteps', 2, 'inputs', 'Api']. */
export type NodePath = readonly (string | number)[]

export interface RunbookStep {
  name?: unknown
  action?: unknown
  description?: unknown
  inputs?: Record<string, unknown>
  outputs?: unknown
  maxAttempts?: unknown
  timeoutSeconds?: unknown
  onFailure?: unknown
  onCancel?: unknown
  isEnd?: unknown
  nextStep?: unknown
  isCritical?: unknown
  [field: string]: unknown
}

export interface RunbookParameter {
  type?: unknown
  description?: unknown
  default?: unknown
  allowedValues?: unknown
  allowedPattern?: unknown
  [field: string]: unknown
}

/** An SSM Automation document as written (nothing checked yet: see validate.ts). */
export interface RunbookDocument {
  schemaVersion?: unknown
  description?: unknown
  assumeRole?: unknown
  parameters?: Record<string, RunbookParameter>
  variables?: Record<string, RunbookParameter>
  outputs?: unknown
  files?: unknown
  mainSteps?: RunbookStep[]
  [field: string]: unknown
}

/** Why a document could not be read into values: bad syntax, or beyond one of the limits below. */
export interface Refusal {
  rule: 'syntax' | 'document-size' | 'nesting-depth' | 'alias-expansion'
  message: string
  fix: string
  at: Position
}

export interface LoadedRunbook {
  file: string
  text: string
  format: 'YAML' | 'JSON'
  /** Size of the text in bytes. */
  bytes: number
  /** undefined when the text was refused (see `refusals`). */
  document?: RunbookDocument
  refusals: Refusal[]
  /** Where the value at a path starts (falls back to the nearest enclosing node). */
  at(path: NodePath): Position
  /** Where the key of a mapping entry starts (falls back to its value). */
  keyAt(path: NodePath): Position
}

/**
 * What opsctl reads of a document, so that a hostile one cannot hang it or eat the machine. SSM's own
 * limit for Automation content is 64 KB (the validator warns above it); real documents nest a dozen levels
 * and rarely use YAML aliases at all.
 */
export const documentLimits = {
  /** Larger files are refused before they are parsed. */
  bytes: 5 * 1024 * 1024,
  /** Nodes inside each other (a mapping, its value, a list in it …), aliases expanded. */
  depth: 64,
  /** Nodes that YAML aliases may add to the document once expanded (a "billion laughs" adds billions). */
  aliasNodes: 10_000,
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const start: Position = {line: 1, column: 1}

/** Reads a document, refusing one larger than the limit without reading more of it than the limit. */
export async function loadRunbookFile(file: string): Promise<LoadedRunbook> {
  const handle = await open(file, 'r')
  try {
    const {size} = await handle.stat()
    if (size <= documentLimits.bytes) return parseRunbook(await handle.readFile('utf8'), file)
    const head = Buffer.alloc(documentLimits.bytes)
    await handle.read(head, 0, head.length, 0)
    return tooLarge(file, head.toString('utf8'), size)
  } finally {
    await handle.close()
  }
}

/**
 * Reads YAML or JSON (JSON is YAML) into values with js-yaml, which refuses nesting past the limit and duplicate
 * keys with their place; then measures what aliases add. Positions of nodes, needed only for the problems
 * reported, are worked out when first asked for (see DocumentPositions).
 */
export function parseRunbook(text: string, file: string): LoadedRunbook {
  const bytes = Buffer.byteLength(text)
  if (bytes > documentLimits.bytes) return tooLarge(file, Buffer.from(text).subarray(0, documentLimits.bytes).toString('utf8'), bytes)
  let value: unknown
  try {
    // The core schema reads values as the YAML 1.2 core schema does (no dates, no merge keys), as SSM does.
    value = load(text, {schema: CORE_SCHEMA, filename: file, maxDepth: documentLimits.depth} as LoadOptions)
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error
    return refused(file, text, bytes, [readingRefusal(error)])
  }
  const positions = new DocumentPositions(text)
  const aliases = measureAliases(value)
  if (aliases) return refused(file, text, bytes, [{...aliases, at: positions.at(aliases.path, false)}])
  const document = value && typeof value === 'object' && !Array.isArray(value) ? (value as RunbookDocument) : undefined
  const refusals: Refusal[] = document
    ? []
    : [
        {
          rule: 'syntax',
          message: 'The document is not a mapping of fields (schemaVersion, parameters, mainSteps, …).',
          fix: 'write the document as a mapping with schemaVersion and mainSteps.',
          at: start,
        },
      ]
  return {...refused(file, text, bytes, refusals), document, at: (path) => positions.at(path, false), keyAt: (path) => positions.at(path, true)}
}

function refused(file: string, text: string, bytes: number, refusals: Refusal[]): LoadedRunbook {
  return {file, text, bytes, format: text.trimStart().startsWith('{') ? 'JSON' : 'YAML', refusals, at: () => start, keyAt: () => start}
}

/** Refused where the limit is crossed, so that the message points into the file like every other problem. */
function tooLarge(file: string, head: string, bytes: number): LoadedRunbook {
  let line = 1
  for (let i = head.indexOf('\n'); i !== -1; i = head.indexOf('\n', i + 1)) line++
  const at = {line, column: head.length - head.lastIndexOf('\n')}
  return refused(file, head, bytes, [
    {
      rule: 'document-size',
      at,
      message: `The document is ${megabytes(bytes)}, more than the ${megabytes(documentLimits.bytes)} opsctl reads (SSM itself takes Automation documents of up to 64 KB).`,
      fix: 'split it into documents that call each other with aws:executeAutomation, or move data out of it.',
    },
  ])
}

function readingRefusal(error: YAMLException): Refusal {
  const at = error.mark ? {line: error.mark.line + 1, column: error.mark.column + 1} : start
  const reason = error.reason ?? error.message
  if (/^nesting exceeded maxDepth/.test(reason)) return {rule: 'nesting-depth', at, ...nestingTooDeep('here')}
  if (reason === 'duplicated mapping key')
    return {rule: 'syntax', at, message: 'The document cannot be parsed: this key appears twice in one mapping.', fix: 'remove or rename one of them.'}
  return {
    rule: 'syntax',
    at,
    message: `The document cannot be parsed: ${reason.replace(/[:.]\s*$/, '')}.`,
    fix: 'correct the YAML or JSON syntax at this place.',
  }
}

const nestingTooDeep = (where: string) => ({
  message: `Mappings and lists nest more than ${documentLimits.depth} levels deep ${where}.`,
  fix: 'flatten the structure; Automation documents need a dozen levels at most.',
})

type AliasProblem = Omit<Refusal, 'at'> & {path: NodePath}

/**
 * What YAML aliases add: js-yaml reads an alias as the very object its anchor made, so an object met a second
 * time is an alias, and adds the nodes it expands to. Walks every object once, with a stack of its own.
 */
function measureAliases(root: unknown): AliasProblem | undefined {
  const expanded = new Map<object, {size: number; height: number}>()
  const open = new Set<object>()
  let added = 0
  const stack: {value: unknown; path: NodePath; depth: number; leaving?: true}[] = [{value: root, path: [], depth: 1}]
  while (stack.length > 0) {
    const {value, path, depth, leaving} = stack.pop()!
    if (!value || typeof value !== 'object') continue
    if (leaving) {
      open.delete(value)
      let size = 1
      let height = 0
      for (const child of Object.values(value)) {
        const inner = child && typeof child === 'object' ? expanded.get(child)! : {size: 1, height: 1}
        size += inner.size
        height = Math.max(height, inner.height)
      }
      expanded.set(value, {size, height: height + 1})
      continue
    }
    const seen = expanded.get(value)
    if (seen || open.has(value)) {
      if (!seen)
        return {
          path,
          rule: 'syntax',
          message: 'The document cannot be parsed: an alias refers to the node that contains it.',
          fix: 'anchor the node outside of the alias.',
        }
      added += seen.size
      if (added > documentLimits.aliasNodes) {
        return {
          path,
          rule: 'alias-expansion',
          message: `YAML aliases expand the document by more than ${documentLimits.aliasNodes.toLocaleString('en-US')} nodes by here (this alias alone adds ${seen.size.toLocaleString('en-US')}).`,
          fix: 'write the values out, or use fewer aliases: an alias of an alias multiplies the document.',
        }
      }
      if (depth + seen.height - 1 > documentLimits.depth) return {path, rule: 'nesting-depth', ...nestingTooDeep('once this alias is expanded')}
      continue
    }
    open.add(value)
    stack.push({value, path, depth, leaving: true})
    // Pushed last to first, so that they are walked in the order of the file, as the limit is crossed in it.
    const entries = Object.entries(value)
    for (let i = entries.length - 1; i >= 0; i--)
      stack.push({value: entries[i][1], path: [...path, Array.isArray(value) ? i : entries[i][0]], depth: depth + 1})
  }
  return undefined
}

/**
 * Positions of nodes, for the problems reported: the text is parsed again with `yaml` (which keeps every node's
 * place) only when a position is first asked for, and each mapping is indexed by key once, when first looked into.
 */
class DocumentPositions {
  private parsed?: {root: unknown; lineCounter: LineCounter}
  private readonly keysOf = new Map<YAMLMap, Map<string, unknown>>()

  constructor(private readonly text: string) {}

  /** Where the node at the path starts (its key's start when asked and there is one), else the nearest enclosing node's. */
  at(path: NodePath, onKey: boolean): Position {
    const {root, lineCounter} = this.parse()
    let node = root as Node | undefined
    let found = node?.range?.[0]
    for (const [i, part] of path.entries()) {
      const entry = this.child(node, part)
      if (!entry) break
      node = entry.value
      const keyStart = i === path.length - 1 && onKey ? entry.key?.range?.[0] : undefined
      found = keyStart ?? node?.range?.[0] ?? found
      if (!node) break
    }
    if (found === undefined) return start
    const {line, col} = lineCounter.linePos(found)
    return {line: Math.max(line, 1), column: col}
  }

  private parse() {
    if (!this.parsed) {
      const lineCounter = new LineCounter()
      // Reached only for a document js-yaml read within the nesting limit, so the composer's recursion stays shallow.
      const [document] = new Composer({uniqueKeys: false}).compose(new Parser(lineCounter.addNewLine).parse(this.text), true, this.text.length)
      this.parsed = {root: document?.contents, lineCounter}
    }
    return this.parsed
  }

  private child(node: Node | undefined, part: string | number): {key?: Node; value?: Node} | undefined {
    if (isSeq(node)) return typeof part === 'number' ? {value: node.items[part] as Node | undefined} : undefined
    if (!isMap(node)) return undefined
    let keys = this.keysOf.get(node)
    if (!keys) {
      keys = new Map()
      for (const pair of node.items) if (isPair(pair)) keys.set(isScalar(pair.key) ? String(pair.key.value) : String(pair.key), pair)
      this.keysOf.set(node, keys)
    }
    // An alias has no children of its own: a path into what it expands to ends at the alias.
    return keys.get(String(part)) as {key: Node; value: Node} | undefined
  }
}
