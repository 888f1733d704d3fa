import {OpsctlError} from '../../cli/errors.js'
import type {ActionSpec} from '../action.js'
import {evaluateCondition} from '../conditions.js'

export const branch: ActionSpec = {
  name: 'aws:branch',
  requiredInputs: ['Choices'],
  builtinOutputs: [],
  mutates: () => false,
  calls: () => [],
  async run(inputs, ctx) {
    const choice = (inputs.Choices as Record<string, unknown>[]).find((c) => evaluateCondition(c))
    const nextStep = choice ? String(choice.NextStep) : inputs.Default === undefined ? undefined : String(inputs.Default)
    if (!nextStep) throw new OpsctlError(`No choice of branch step ${ctx.step.name} matched and it has no Default; add a Default step.`, 1, 'NoChoiceMatched')
    return {nextStep, outputs: {NextStep: nextStep}}
  },
}
