import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const executeStateMachine: ActionSpec = {
  name: 'aws:executeStateMachine',
  requiredInputs: ['stateMachineArn'],
  builtinOutputs: [],
  mutates: () => true,
  calls: () => ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution'],
}
