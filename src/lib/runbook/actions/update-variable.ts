import type {ActionSpec} from '../action.js'

export const updateVariable: ActionSpec = {
  name: 'aws:updateVariable',
  requiredInputs: ['Name', 'Value'],
  builtinOutputs: [],
  mutates: () => false,
  calls: () => [],
  rawInputs: ['Name'],
  async run(inputs, ctx) {
    ctx.setVariable(String(inputs.Name).replace(/^variable:/, ''), inputs.Value)
    return {}
  },
}
