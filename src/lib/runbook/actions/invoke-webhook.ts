import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const invokeWebhook: ActionSpec = {
  name: 'aws:invokeWebhook',
  requiredInputs: ['IntegrationName'],
  builtinOutputs: ['Response', 'ResponseCode'],
  mutates: () => true,
  calls: () => ['ssm:GetParameter'],
}
