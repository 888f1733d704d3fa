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
