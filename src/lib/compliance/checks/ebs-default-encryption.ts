import type {Check} from '../types.js'

export const ebsDefaultEncryption: Check = {
  id: 'ebs-default-encryption',
  title: 'EBS encryption by default is on in the region',
  service: 'ebs',
  inventories: ['ebs'],
  severity: 'medium',
  risk: 'Without encryption by default, every new volume and snapshot copy is unencrypted unless each caller remembers to ask.',
  remediation: {
    text: 'Turn on EBS encryption by default in the region.',
    cli: 'aws ec2 enable-ebs-encryption-by-default --region <region>',
  },
  configRule: 'EC2_EBS_ENCRYPTION_BY_DEFAULT',
  prowlerId: 'ec2_ebs_default_encryption',
  evaluate: ({ebs}, {region}) => [
    {
      resource: {type: 'AWS::Region', id: region},
      pass: ebs.encryptionByDefault,
      reason: `Region ${region} has EBS encryption by default ${ebs.encryptionByDefault ? 'on' : 'off'}.`,
    },
  ],
}
