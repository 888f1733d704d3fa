import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const invokeLambdaFunction: ActionSpec = {
  name: 'aws:invokeLambdaFunction',
  requiredInputs: ['FunctionName'],
  builtinOutputs: ['StatusCode', 'FunctionError', 'LogResult', 'ExecutedVersion', 'Payload'],
  mutates: () => true,
  calls: () => ['lambda:InvokeFunction'],
}
