import type {ActionSpec} from '../action.js'

export const pause: ActionSpec = {
  name: 'aws:pause',
  requiredInputs: [],
  builtinOutputs: [],
  mutates: () => false,
  calls: () => [],
  async run(_, ctx) {
    await ctx.approve(`The runbook paused at step ${ctx.step.name}; continue?`)
    return {}
  },
}
