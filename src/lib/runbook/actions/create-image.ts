import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const createImage: ActionSpec = {
  name: 'aws:createImage',
  requiredInputs: ['InstanceId', 'ImageName'],
  builtinOutputs: ['ImageId', 'ImageState'],
  mutates: () => true,
  calls: () => ['ec2:CreateImage', 'ec2:DescribeImages'],
}
