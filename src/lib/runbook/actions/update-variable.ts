import type {ActionSpec} from '../action.js'

export const updateVariable: ActionSpec = {
  name: 'aws:updateVariable',
  requiredInputs: ['Name', 'Value'],
  builtinOutputs: [],
  mutates: () => false,
  calls: () => [],
  rawInputs: ['Name'],
  noOnCancel: true,
  checkInputs(inputs, check) {
    const name = /^variable:([A-Za-z0-9_-]+)$/.exec(String(inputs.Name ?? ''))?.[1]
    if (inputs.Name !== undefined && !name)
      check.error('update-variable', ['Name'], `Name of step ${check.step} must look like variable:<name>.`, 'write Name: variable:MyVariable.')
    else if (name && !check.variables.has(name))
      check.error(
        'unknown-reference',
        ['Name'],
        `Step ${check.step} updates variable ${name}, which is not declared.`,
        `declare it under variables, or ${check.suggest(name, [...check.variables.keys()], 'variable')}`,
      )
  },
  async run(inputs, ctx) {
    ctx.setVariable(String(inputs.Name).replace(/^variable:/, ''), inputs.Value)
    return {}
  },
}
