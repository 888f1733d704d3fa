import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const deleteImage: ActionSpec = {
  name: 'aws:deleteImage',
  requiredInputs: ['ImageId'],
  builtinOutputs: [],
  mutates: () => true,
  calls: () => ['ec2:DescribeImages', 'ec2:DeregisterImage', 'ec2:DeleteSnapshot'],
}
