import {jumpsFrom, nextOnSuccess, reachableFrom, type StepNode} from '../graph.js'
import type {Diagnostics} from './diagnostics.js'

/**
 * Within one list of steps (mainSteps, or a loop's Steps): every step can be reached from the first, and every
 * reachable step has a way out on the success path. Each walks the steps and their jumps once.
 */
export function checkGraph(scope: StepNode[], d: Diagnostics): void {
  if (scope.length === 0) return
  const inScope = new Map(scope.map((n) => [n.name, n]))
  const reached = reachableFrom(scope[0], inScope)
  for (const node of scope) {
    if (!reached.has(node.name))
      d.warning(
        'unreachable-step',
        [...node.path, 'name'],
        `Step ${node.name} can never run: no step leads to it.`,
        `remove it, or reach it with nextStep, a branch choice or onFailure: step:${node.name}.`,
      )
  }
  const exits = leadingOut(scope, inScope)
  const trapped = scope.filter((n) => reached.has(n.name) && !exits.has(n.name))
  if (trapped.length > 0) {
    d.error(
      'endless-loop',
      [...trapped[0].path, 'name'],
      `Steps ${trapped.map((n) => n.name).join(', ')} loop with no way out: once there, the run never ends.`,
      'add a branch choice or Default that leaves the loop, set isEnd: true on a step, or use aws:loop with MaxIterations.',
    )
  }
}

/** Where a step goes when it succeeds: 'exit' when the run may end there (isEnd, the last step, a jump out, a branch that may fall through). */
function successors(node: StepNode, inScope: Map<string, StepNode>): string[] | 'exit' {
  if (node.step.action === 'aws:branch') {
    const targets = jumpsFrom(node)
      .filter((j) => j.kind === 'choice' || j.kind === 'default')
      .map((j) => j.target)
    return node.step.inputs?.Default === undefined || targets.some((t) => !inScope.has(t)) ? 'exit' : targets
  }
  const next = nextOnSuccess(node)
  return next === undefined || !inScope.has(next) ? 'exit' : [next]
}

/** Names of the steps from which the success path can leave: those that exit, and, walking the jumps backwards, every step leading to one. */
function leadingOut(scope: StepNode[], inScope: Map<string, StepNode>): Set<string> {
  const leadsTo = new Map<string, string[]>()
  const exits = new Set<string>()
  for (const node of scope) {
    const next = successors(node, inScope)
    if (next === 'exit') exits.add(node.name)
    else for (const target of next) leadsTo.get(target)?.push(node.name) ?? leadsTo.set(target, [node.name])
  }
  const queue = [...exits]
  for (let next = 0; next < queue.length; next++) {
    for (const from of leadsTo.get(queue[next]) ?? []) {
      if (!exits.has(from)) {
        exits.add(from)
        queue.push(from)
      }
    }
  }
  return exits
}
