import type {ActionSpec} from '../action.js'
import {apiParameters, callAwsApi, checkApiInputs, iamActionOf} from '../aws-api.js'
import {selectedValues} from './assert-aws-resource-property.js'

const pollIntervalMs = 5000

export const waitForAwsResourceProperty: ActionSpec = {
  name: 'aws:waitForAwsResourceProperty',
  requiredInputs: ['Service', 'Api', 'PropertySelector', 'DesiredValues'],
  builtinOutputs: [],
  mutates: () => false,
  calls: (inputs) => [iamActionOf(String(inputs.Service), String(inputs.Api))],
  checkInputs: checkApiInputs,
  async run(inputs, ctx) {
    const desired = (inputs.DesiredValues as unknown[]).map(String)
    // The step's timeoutSeconds (SSM's default: 3600) ends the wait through io.signal.
    for (;;) {
      const response = await callAwsApi(ctx.session, inputs.Service, inputs.Api, apiParameters(inputs), ctx.io.signal)
      const actual = selectedValues(response, inputs.PropertySelector)
      if (actual.length > 0 && actual.every((v) => desired.includes(v))) return {response}
      ctx.io.progress(`${inputs.PropertySelector} is ${actual.join(', ') || 'absent'}, waiting for ${desired.join(' or ')}`)
      await ctx.io.clock.sleep(pollIntervalMs, ctx.io.signal)
    }
  },
}
