import {OpsctlError} from '../../errors/errors.js'
import {ExitCode} from '../../errors/exit-codes.js'
import type {ActionSpec} from '../action.js'
import {evaluateCondition} from '../conditions.js'
import {isEmpty, isMapping} from '../validate/values.js'

export const branch: ActionSpec = {
  name: 'aws:branch',
  requiredInputs: ['Choices'],
  builtinOutputs: [],
  mutates: () => false,
  calls: () => [],
  checkInputs({Choices: choices}, check) {
    if (!Array.isArray(choices) || choices.length === 0) {
      if (choices !== undefined && !isEmpty(choices))
        check.error('branch', ['Choices'], `Choices of step ${check.step} must be a list.`, 'list each choice with NextStep, Variable and an operator.')
      return
    }
    for (const [i, choice] of choices.entries()) {
      if (!isMapping(choice)) {
        check.error(
          'branch',
          ['Choices', i],
          `Choice ${i + 1} of step ${check.step} is not a mapping.`,
          'write NextStep, Variable and an operator such as StringEquals.',
        )
        continue
      }
      if (typeof choice.NextStep !== 'string')
        check.error('branch', ['Choices', i], `Choice ${i + 1} of step ${check.step} has no NextStep.`, 'add NextStep: <step name>.')
      check.condition(choice, ['Choices', i], true)
    }
  },
  async run(inputs, ctx) {
    const choice = (inputs.Choices as Record<string, unknown>[]).find((c) => evaluateCondition(c))
    const nextStep = choice ? String(choice.NextStep) : inputs.Default === undefined ? undefined : String(inputs.Default)
    if (!nextStep)
      throw new OpsctlError(
        `No choice of branch step ${ctx.step.name} matched and it has no Default; add a Default step.`,
        ExitCode.WorkflowFailed,
        'NoChoiceMatched',
      )
    return {nextStep, outputs: {NextStep: nextStep}}
  },
}
