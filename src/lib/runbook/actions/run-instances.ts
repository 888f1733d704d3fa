import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const runInstances: ActionSpec = {
  name: 'aws:runInstances',
  requiredInputs: ['ImageId'],
  builtinOutputs: ['InstanceIds'],
  mutates: () => true,
  calls: (inputs) => [
    'ec2:RunInstances',
    'ec2:DescribeInstances',
    'ec2:DescribeInstanceStatus',
    ...(inputs.TagSpecifications ? ['ec2:CreateTags'] : []),
    ...(inputs.IamInstanceProfileArn || inputs.IamInstanceProfileName ? ['iam:PassRole'] : []),
  ],
}
