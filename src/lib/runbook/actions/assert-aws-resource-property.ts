import {OpsctlError} from '../../errors/errors.js'
import {ExitCode} from '../../errors/exit-codes.js'
import type {ActionSpec} from '../action.js'
import {apiParameters, callAwsApi, checkApiInputs, iamActionOf} from '../aws-api.js'
import {selectJsonPath} from '../jsonpath.js'

/** The values a PropertySelector picked, as strings, for comparison with DesiredValues. */
export const selectedValues = (response: unknown, selector: string): string[] => {
  const selected = selectJsonPath(response, selector)
  return (Array.isArray(selected) ? selected : [selected]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
}

export const assertAwsResourceProperty: ActionSpec = {
  name: 'aws:assertAwsResourceProperty',
  requiredInputs: ['Service', 'Api', 'PropertySelector', 'DesiredValues'],
  builtinOutputs: [],
  mutates: () => false,
  calls: (inputs) => [iamActionOf(String(inputs.Service), String(inputs.Api))],
  checkInputs: checkApiInputs,
  async run(inputs, ctx) {
    const response = await callAwsApi(ctx.session, inputs.Service, inputs.Api, apiParameters(inputs), ctx.io.signal)
    const actual = selectedValues(response, inputs.PropertySelector)
    const desired = (inputs.DesiredValues as unknown[]).map(String)
    if (actual.length === 0 || !actual.every((v) => desired.includes(v))) {
      throw new OpsctlError(
        `${inputs.PropertySelector} of ${inputs.Service} ${inputs.Api} is ${actual.join(', ') || 'absent'}, not ${desired.join(' or ')}.`,
        ExitCode.WorkflowFailed,
        'AssertionFailed',
      )
    }
    return {response}
  },
}
