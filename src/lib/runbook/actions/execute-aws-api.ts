import type {ActionSpec} from '../action.js'
import {apiOperationName, apiParameters, callAwsApi, checkApiInputs, iamActionOf} from '../aws-api.js'

const readOnly = /^(Describe|Get|List|Lookup|Search|Check|Validate|Head|Select|Query|Scan|BatchGet)/

export const executeAwsApi: ActionSpec = {
  name: 'aws:executeAwsApi',
  requiredInputs: ['Service', 'Api'],
  builtinOutputs: [],
  mutates: (inputs) => !readOnly.test(apiOperationName(String(inputs.Api ?? ''))),
  calls: (inputs) => [iamActionOf(String(inputs.Service), String(inputs.Api))],
  checkInputs: checkApiInputs,
  async run(inputs, ctx) {
    return {response: await callAwsApi(ctx.session, inputs.Service, inputs.Api, apiParameters(inputs), ctx.io.signal)}
  },
}
