import {actions, undocumentedActionNames} from '../actions/index.js'
import type {StepNode} from '../graph.js'
import type {Diagnostics} from './diagnostics.js'
import {isMapping} from './values.js'

/** What the checks look names up in, built once per document: every lookup is then constant time. */
export interface DocumentIndex {
  parameters: Map<string, string>
  variables: Map<string, string>
  nodes: StepNode[]
  /** The first step of each name. */
  steps: Map<string, StepNode>
  stepNames: string[]
  /** The outputs a step declares or its action has built in; undefined when its action is unknown or undocumented (its outputs are not known). */
  outputsOf(node: StepNode): string[] | undefined
}

export function indexDocument(
  nodes: StepNode[],
  declared: Pick<DocumentIndex, 'parameters' | 'variables'>,
  d: Diagnostics,
  positionOf: (node: StepNode) => number,
): DocumentIndex {
  const steps = new Map<string, StepNode>()
  for (const node of nodes) {
    if (typeof node.step.name !== 'string') continue
    const first = steps.get(node.name)
    if (first)
      d.error(
        'duplicate-step',
        [...node.path, 'name'],
        `Step name ${node.name} is used twice (first at line ${positionOf(first)}).`,
        'give every step a unique name.',
      )
    else steps.set(node.name, node)
  }
  const outputs = new Map<StepNode, string[] | undefined>()
  return {
    ...declared,
    nodes,
    steps,
    stepNames: [...steps.keys()],
    outputsOf(node) {
      if (!outputs.has(node)) outputs.set(node, declaredOutputs(node))
      return outputs.get(node)
    },
  }
}

function declaredOutputs(node: StepNode): string[] | undefined {
  const spec = typeof node.step.action === 'string' ? actions.get(node.step.action) : undefined
  if (!spec || undocumentedActionNames.has(spec.name)) return undefined
  const declared = Array.isArray(node.step.outputs) ? node.step.outputs.filter(isMapping).map((o) => String(o.Name)) : []
  return [...declared, ...spec.builtinOutputs]
}
