import {UsageError} from '../../cli/errors.js'
import type {ActionSpec} from '../action.js'

/** SSM's limit, also the default. */
export const maxLoopIterations = 100

export const loop: ActionSpec = {
  name: 'aws:loop',
  requiredInputs: ['Steps'],
  oneOf: [['Iterators', 'LoopCondition']],
  builtinOutputs: ['CurrentIteration', 'CurrentIteratorValue'],
  mutates: () => false,
  calls: () => [],
  rawInputs: ['Steps', 'LoopCondition'],
  async run(inputs, ctx) {
    const limit = Math.min(Number(inputs.MaxIterations ?? maxLoopIterations), maxLoopIterations)
    const steps = inputs.Steps
    let iteration = 0
    if (inputs.Iterators !== undefined) {
      const items = Array.isArray(inputs.Iterators) ? inputs.Iterators : [inputs.Iterators]
      if (items.length > limit) throw new UsageError(`Loop ${ctx.step.name} has ${items.length} iterators, more than its ${limit} iterations; split the list.`, 'TooManyIterations')
      for (const item of items) await ctx.runIteration(steps, ++iteration, item)
      return {outputs: {CurrentIteration: iteration, CurrentIteratorValue: items.at(-1)}}
    }
    // do-while: the steps run, then the condition decides whether to go round again.
    do {
      await ctx.runIteration(steps, ++iteration, undefined)
    } while (iteration < limit && ctx.evaluate(inputs.LoopCondition))
    return {outputs: {CurrentIteration: iteration}}
  },
}
