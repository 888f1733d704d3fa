import {readFile} from 'node:fs/promises'

import {isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument} from 'yaml'

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

export interface LoadedRunbook {
  file: string
  text: string
  format: 'YAML' | 'JSON'
  /** undefined when the text could not be parsed (see `syntaxErrors`). */
  document?: RunbookDocument
  syntaxErrors: {message: string; at: Position}[]
  /** Where the value at a path starts (falls back to the nearest enclosing node). */
  at(path: NodePath): Position
  /** Where the key of a mapping entry starts (falls back to its value). */
  keyAt(path: NodePath): Position
}

export async function loadRunbookFile(file: string): Promise<LoadedRunbook> {
  return parseRunbook(await readFile(file, 'utf8'), file)
}

/** Parses YAML or JSON (JSON is read by the same parser), recording the position of every node. */
export function parseRunbook(text: string, file: string): LoadedRunbook {
  const lineCounter = new LineCounter()
  const parsed = parseDocument(text, {lineCounter, keepSourceTokens: true, prettyErrors: true, uniqueKeys: true})
  const positionOf = (offset: number): Position => {
    const {line, col} = lineCounter.linePos(offset)
    return {line, column: col}
  }
  const values = new Map<string, Position>()
  const keys = new Map<string, Position>()
  const record = (node: unknown, path: (string | number)[]) => {
    const range = (node as Node | null)?.range
    if (range) values.set(pathKey(path), positionOf(range[0]))
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
        const keyRange = (pair.key as Node | null)?.range
        if (keyRange) keys.set(pathKey([...path, key]), positionOf(keyRange[0]))
        record(pair.value, [...path, key])
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => record(item, [...path, index]))
    }
  }
  record(parsed.contents, [])

  const syntaxErrors = parsed.errors.map((error) => ({
    message: error.message.split('\n')[0].replace(/[:.]\s*$/, ''),
    at: error.linePos ? {line: error.linePos[0].line, column: error.linePos[0].col} : {line: 1, column: 1},
  }))
  const lookup = (map: Map<string, Position>, path: NodePath): Position => {
    for (let length = path.length; length >= 0; length--) {
      const found = map.get(pathKey(path.slice(0, length))) ?? values.get(pathKey(path.slice(0, length)))
      if (found) return found
    }
    return {line: 1, column: 1}
  }
  let document: RunbookDocument | undefined
  if (syntaxErrors.length === 0) {
    const value = parsed.toJS({maxAliasCount: 1000})
    document = value && typeof value === 'object' && !Array.isArray(value) ? value : undefined
    if (!document) syntaxErrors.push({message: 'the document is not a mapping of fields (schemaVersion, parameters, mainSteps, …)', at: {line: 1, column: 1}})
  }
  return {
    file,
    text,
    format: text.trimStart().startsWith('{') ? 'JSON' : 'YAML',
    document,
    syntaxErrors,
    at: (path) => lookup(values, path),
    keyAt: (path) => lookup(keys, path),
  }
}

const pathKey = (path: NodePath) => path.join('\u0000')
