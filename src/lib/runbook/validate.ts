import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {UsageError} from '../errors/errors.js'
import {type LoadedRunbook, loadRunbookFile} from './document.js'
import {stepNodes} from './graph.js'
import {checkDeclarations} from './validate/declarations.js'
import {type Diagnostic, Diagnostics} from './validate/diagnostics.js'
import {indexDocument} from './validate/document-index.js'
import {checkGraph} from './validate/graph.js'
import {checkStep} from './validate/steps.js'
import {checkDocumentOutputs, checkTopLevel} from './validate/top-level.js'

export {fitsParameterType} from './validate/declarations.js'
export {type Diagnostic, formatDiagnostic} from './validate/diagnostics.js'

/**
 * Checks an Automation document the way SSM would, and more: top level, parameters, every step's fields and
 * inputs (each action checks its own), jumps, reachability, loops with no way out and `{{ }}` references.
 * Every check looks names up in one index of the document, so the time grows with the document's size.
 */
export function validateRunbook(runbook: LoadedRunbook): Diagnostic[] {
  const d = new Diagnostics(runbook)
  for (const refusal of runbook.refusals) d.refused(refusal)
  const doc = runbook.document
  if (!doc) return d.list()
  checkTopLevel(doc, runbook.bytes, d)
  const declared = {parameters: checkDeclarations('parameters', doc.parameters, d), variables: checkDeclarations('variables', doc.variables, d)}
  const nodes = stepNodes(doc)
  const index = indexDocument(nodes, declared, d, (node) => runbook.at([...node.path, 'name']).line)
  for (const node of nodes) checkStep(node, index, d)
  for (const scope of new Set(nodes.map((n) => n.scope))) checkGraph(scope, d)
  checkDocumentOutputs(doc, index, d)
  return d.list()
}

/** The documents named by files and directories (.yaml, .yml, .json inside directories). */
export async function runbookFiles(paths: string[]): Promise<string[]> {
  const files: string[] = []
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined)
    if (!info) throw new UsageError(`No file or directory ${path}; pass runbook files or a directory of them.`, 'NotFound')
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => /\.(ya?ml|json)$/.test(n)).sort()
      files.push(...names.map((n) => join(path, n)))
    } else files.push(path)
  }
  if (files.length === 0) throw new UsageError(`No .yaml, .yml or .json documents in ${paths.join(', ')}.`, 'NotFound')
  return files
}

export interface ValidationResult {
  file: string
  valid: boolean
  diagnostics: Diagnostic[]
}

export async function validateFiles(paths: string[]): Promise<ValidationResult[]> {
  return Promise.all(
    (await runbookFiles(paths)).map(async (file) => {
      const diagnostics = validateRunbook(await loadRunbookFile(file))
      return {file, valid: !diagnostics.some((d) => d.severity === 'error'), diagnostics}
    }),
  )
}
