import type {ActionSpec} from '../action.js'

/** Only SSM runs it: the local engine refuses a document that uses it. */
export const copyImage: ActionSpec = {
  name: 'aws:copyImage',
  requiredInputs: ['SourceImageId', 'SourceRegion', 'ImageName'],
  builtinOutputs: ['ImageId', 'ImageState'],
  mutates: () => true,
  calls: () => ['ec2:CopyImage', 'ec2:DescribeImages'],
}
