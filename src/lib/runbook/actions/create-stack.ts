import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const createStack: ActionSpec = {
  name: 'aws:createStack',
  requiredInputs: ['StackName'],
  oneOf: [['TemplateBody', 'TemplateURL']],
  builtinOutputs: ['StackId', 'StackStatus', 'StackStatusReason'],
  mutates: () => true,
  calls: (inputs) => ['cloudformation:CreateStack', 'cloudformation:DescribeStacks', 'cloudformation:DeleteStack', ...(inputs.RoleARN ? ['iam:PassRole'] : [])],
}
