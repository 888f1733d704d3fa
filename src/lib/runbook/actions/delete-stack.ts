import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const deleteStack: ActionSpec = {
  name: 'aws:deleteStack',
  requiredInputs: ['StackName'],
  builtinOutputs: [],
  mutates: () => true,
  calls: () => ['cloudformation:DeleteStack', 'cloudformation:DescribeStacks'],
}
