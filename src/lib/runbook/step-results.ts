import type {StepResult} from '../engine/types.js'
import {actions} from './actions/index.js'
import type {StepNode} from './graph.js'

/** `stopInstance` or `Stop_Instance` → `stop-instance`: the kebab-case step id journals and JUnit use. */
export function stepIdOf(name: string): string {
  return (
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'step'
  )
}

type StepShape = Pick<StepResult, 'id' | 'title' | 'mutates' | 'actions'>

/** The kebab-case id of a step named `name` that none in `used` has yet (then added to it): `-2`, `-3` … after a taken one. */
function uniqueStepId(name: string, used: Set<string>): string {
  let id = stepIdOf(name)
  for (let n = 2; used.has(id); n++) id = `${stepIdOf(name)}-${n}`
  used.add(id)
  return id
}

/**
 * A document's steps as a run records them, whichever engine runs it: one result per document step (a step
 * that runs again keeps its latest result), with a unique kebab-case id, and the id of each step by its name.
 */
export function runbookSteps(nodes: StepNode[]): {steps: StepShape[]; idOf: Map<string, string>} {
  const idOf = new Map<string, string>()
  const used = new Set<string>()
  const steps = nodes.map((node): StepShape => {
    const id = uniqueStepId(node.name, used)
    idOf.set(node.name, id)
    const action = String(node.step.action)
    const spec = actions.get(action)
    const inputs = (node.step.inputs ?? {}) as Record<string, unknown>
    return {
      id,
      // The name first: it is how the document, its jumps and its outputs refer to the step.
      title: typeof node.step.description === 'string' ? `${node.name}: ${node.step.description.split('\n')[0]}` : `${node.name} (${action})`,
      mutates: spec?.mutates(inputs) ?? true,
      actions: [...new Set(spec?.calls(inputs).filter((a) => /^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(a)) ?? [])],
    }
  })
  return {steps, idOf}
}

/**
 * A child execution of a fan-out run (SSM starts one per target of a rate-controlled run, and per account and Region of
 * a target-location run) as a step of its parent's run, named by its target; it runs the whole document, so it may change things.
 */
export function childStep(child: {target: string; executionId: string; documentName: string}, used: Set<string>): StepShape {
  return {
    id: uniqueStepId(child.target, used),
    title: `${child.target}: child execution ${child.executionId} of ${child.documentName}`,
    mutates: true,
    actions: [],
  }
}

/** The note of a step the run never reached, by how the run ended. */
export const unreachedNote = (status: 'succeeded' | 'failed' | 'interrupted') =>
  status === 'succeeded' ? 'not on the path this run took' : `not run: the run ${status === 'interrupted' ? 'was interrupted' : 'stopped'} before it`
