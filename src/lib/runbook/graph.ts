import type {NodePath, RunbookDocument, RunbookStep} from './document.js'

/** A step with where it sits: the list it belongs to (mainSteps or a loop's Steps) and its path in the file. */
export interface StepNode {
  step: RunbookStep
  name: string
  path: NodePath
  index: number
  /** Its sibling steps: execution moves among these. */
  scope: StepNode[]
  /** The aws:loop step whose Steps hold it. */
  loop?: string
}

/** SSM accepts booleans written as true or 'true'. */
export const isTrue = (value: unknown) => value === true || value === 'true'

/** `step:Name` → Name. */
export const jumpTarget = (value: unknown) => (typeof value === 'string' && value.startsWith('step:') ? value.slice(5) : undefined)

/** Every step of the document, loops' inner steps after their loop, in document order. */
export function stepNodes(document: RunbookDocument): StepNode[] {
  const all: StepNode[] = []
  const collect = (steps: unknown, path: NodePath, loop?: string) => {
    if (!Array.isArray(steps)) return
    const scope: StepNode[] = []
    steps.forEach((step, index) => {
      if (!step || typeof step !== 'object' || Array.isArray(step)) return
      const node: StepNode = {step, name: typeof step.name === 'string' ? step.name : `#${index + 1}`, path: [...path, index], index: scope.length, scope, loop}
      scope.push(node)
      all.push(node)
      if (step.action === 'aws:loop') collect(step.inputs?.Steps, [...path, index, 'inputs', 'Steps'], node.name)
    })
  }
  collect(document.mainSteps, ['mainSteps'])
  return all
}

/** Where execution goes after the step succeeds without choosing (undefined: the run ends). */
export function nextOnSuccess(node: StepNode): string | undefined {
  if (isTrue(node.step.isEnd)) return undefined
  if (typeof node.step.nextStep === 'string') return node.step.nextStep
  return node.scope[node.index + 1]?.name
}

export interface Jump {
  kind: 'next' | 'choice' | 'default' | 'onFailure' | 'onCancel'
  target: string
  path: NodePath
}

/** Every step the step may hand over to, with where the jump is written. */
export function jumpsFrom(node: StepNode): Jump[] {
  const jumps: Jump[] = []
  const {step, path} = node
  if (step.action === 'aws:branch') {
    const choices = step.inputs?.Choices
    if (Array.isArray(choices)) {
      choices.forEach((choice, i) => {
        if (typeof choice?.NextStep === 'string') jumps.push({kind: 'choice', target: choice.NextStep, path: [...path, 'inputs', 'Choices', i, 'NextStep']})
      })
    }
    if (typeof step.inputs?.Default === 'string') jumps.push({kind: 'default', target: step.inputs.Default, path: [...path, 'inputs', 'Default']})
  } else {
    const next = nextOnSuccess(node)
    if (next) jumps.push({kind: 'next', target: next, path: [...path, typeof step.nextStep === 'string' ? 'nextStep' : 'name']})
  }
  for (const kind of ['onFailure', 'onCancel'] as const) {
    const target = jumpTarget(step[kind])
    if (target) jumps.push({kind, target, path: [...path, kind]})
  }
  if (step.onFailure === 'Continue' && step.action !== 'aws:branch') {
    const next = nextOnSuccess(node)
    if (next) jumps.push({kind: 'onFailure', target: next, path: [...path, 'onFailure']})
  }
  return jumps
}

/** Names of the steps that any jump (success, choice, failure, cancel) can reach from the first, within its list of steps. */
export function reachableFrom(first: StepNode, inScope: Map<string, StepNode>): Set<string> {
  const reached = new Set([first.name])
  const queue = [first]
  for (let next = 0; next < queue.length; next++) {
    for (const jump of jumpsFrom(queue[next])) {
      const target = inScope.get(jump.target)
      if (target && !reached.has(target.name)) {
        reached.add(target.name)
        queue.push(target)
      }
    }
  }
  return reached
}

/** The step and every step a run may go on to from it among its siblings, with the steps inside the loops among them, in document order. */
export function stepsAhead(first: StepNode, nodes: StepNode[]): StepNode[] {
  const reached = reachableFrom(first, new Map(first.scope.map((n) => [n.name, n])))
  const ahead = new Set<string>()
  // stepNodes lists a loop's steps after the loop.
  for (const node of nodes) if (reached.has(node.name) || (node.loop !== undefined && ahead.has(node.loop))) ahead.add(node.name)
  return nodes.filter((n) => ahead.has(n.name))
}
