import {dirname} from 'node:path'

import {actions} from './actions/index.js'
import {type LoadedRunbook, loadRunbookFile} from './document.js'
import {jumpsFrom, stepNodes} from './graph.js'
import {findDocument} from './load.js'
import {interpolate} from './references.js'

export interface PlannedStep {
  name: string
  action: string
  description?: string
  /** The loop whose Steps hold it. */
  loop?: string
  mutates: boolean
  /** IAM actions behind the AWS API calls it makes. */
  calls: string[]
  /** Inputs with parameters and variables resolved; step outputs stay as {{ step.Output }} until the run. */
  inputs: Record<string, unknown>
  jumps: {kind: string; target: string}[]
  isEnd: boolean
}

/** What a run would do, step by step, with the given (resolved) parameters. Nothing is called. */
export function planRunbook(runbook: LoadedRunbook, parameters: Record<string, unknown>): PlannedStep[] {
  const document = runbook.document!
  const variables = Object.fromEntries(Object.entries(document.variables ?? {}).map(([k, v]) => [k, v?.default]))
  return stepNodes(document).map((node) => {
    const spec = actions.get(String(node.step.action))!
    const raw = (node.step.inputs ?? {}) as Record<string, unknown>
    // A loop's inner steps are planned as steps of their own.
    const {Steps: _inner, ...loopInputs} = raw
    const inputs = interpolate(spec.name === 'aws:loop' ? loopInputs : raw, (ref) => {
      if (ref.kind === 'parameter' && ref.name in parameters) return parameters[ref.name]
      if (ref.kind === 'variable' && ref.name in variables) return variables[ref.name]
      return `{{ ${ref.text} }}`
    }) as Record<string, unknown>
    return {
      name: node.name,
      action: spec.name,
      description: typeof node.step.description === 'string' ? node.step.description : undefined,
      loop: node.loop,
      mutates: spec.mutates(raw),
      calls: [...new Set(spec.calls(raw))],
      inputs,
      jumps: jumpsFrom(node).map(({kind, target}) => ({kind, target})),
      isEnd: node.step.isEnd === true || node.step.isEnd === 'true',
    }
  })
}

export interface IamPolicy {
  Version: '2012-10-17'
  Statement: {Sid: string; Effect: 'Allow'; Action: string[]; Resource: '*'}[]
}

/**
 * The least-privilege policy for the role that runs the document: every Service + Api pair it calls,
 * the calls behind runCommand, executeAutomation, createTags and changeInstanceState, and the calls
 * of the nested documents it runs (when they are found beside it or in `documentDirs`).
 */
export async function derivePolicy(runbook: LoadedRunbook, documentDirs: string[] = []): Promise<{policy: IamPolicy; actions: string[]; unresolved: string[]}> {
  const found = new Set<string>()
  const unresolved: string[] = []
  const seen = new Set<string>()
  const visit = async (doc: LoadedRunbook) => {
    seen.add(doc.file)
    for (const node of stepNodes(doc.document!)) {
      const spec = actions.get(String(node.step.action))
      if (!spec) continue
      const inputs = (node.step.inputs ?? {}) as Record<string, unknown>
      for (const action of spec.calls(inputs)) {
        if (action.includes('{{')) unresolved.push(`${node.name}: ${action}`)
        else found.add(action)
      }
      if (spec.name === 'aws:executeScript') unresolved.push(`${node.name}: the calls aws:executeScript makes depend on its script`)
      if (spec.name === 'aws:executeAutomation' && typeof inputs.DocumentName === 'string') {
        const file = findDocument(inputs.DocumentName, [dirname(doc.file), ...documentDirs])
        if (file && !seen.has(file)) await visit(await loadRunbookFile(file))
        else if (!file) unresolved.push(`${node.name}: the calls of nested document ${inputs.DocumentName}`)
      }
    }
  }
  await visit(runbook)
  const sorted = [...found].sort()
  return {
    policy: {Version: '2012-10-17', Statement: [{Sid: 'RunbookSteps', Effect: 'Allow', Action: sorted, Resource: '*'}]},
    actions: sorted,
    unresolved,
  }
}
