import {UsageError} from '../../errors/errors.js'
import type {ActionSpec} from '../action.js'
import {isMapping, isWholeNumber} from '../validate/values.js'

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
  noOnCancel: true,
  checkInputs(inputs, check) {
    const name = check.step
    if (inputs.Steps !== undefined && (!Array.isArray(inputs.Steps) || inputs.Steps.length === 0))
      check.error('loop', ['Steps'], `Steps of loop ${name} must be a non-empty list of steps.`, 'list the steps to repeat.')
    if (inputs.MaxIterations !== undefined && (!isWholeNumber(inputs.MaxIterations, 1) || Number(inputs.MaxIterations) > maxLoopIterations)) {
      check.error(
        'loop',
        ['MaxIterations'],
        `MaxIterations of loop ${name} must be between 1 and ${maxLoopIterations}.`,
        `lower it to at most ${maxLoopIterations}.`,
      )
    }
    if (isMapping(inputs.LoopCondition)) check.condition(inputs.LoopCondition, ['LoopCondition'], false)
    else if (inputs.LoopCondition !== undefined)
      check.error('loop', ['LoopCondition'], `LoopCondition of loop ${name} must be a condition.`, 'write Variable and an operator, e.g. BooleanEquals: true.')
    if (inputs.IteratorDataType !== undefined && !['Boolean', 'Integer', 'String', 'StringMap'].includes(String(inputs.IteratorDataType))) {
      check.error(
        'loop',
        ['IteratorDataType'],
        `IteratorDataType of loop ${name} is ${JSON.stringify(inputs.IteratorDataType)}.`,
        'use Boolean, Integer, String or StringMap.',
      )
    }
  },
  async run(inputs, ctx) {
    const limit = Math.min(Number(inputs.MaxIterations ?? maxLoopIterations), maxLoopIterations)
    const steps = inputs.Steps
    let iteration = 0
    if (inputs.Iterators !== undefined) {
      const items = Array.isArray(inputs.Iterators) ? inputs.Iterators : [inputs.Iterators]
      if (items.length > limit)
        throw new UsageError(`Loop ${ctx.step.name} has ${items.length} iterators, more than its ${limit} iterations; split the list.`, 'TooManyIterations')
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
