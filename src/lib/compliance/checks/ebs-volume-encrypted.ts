import {tagMap} from '../../aws/tags.js'
import type {Check} from '../types.js'

export const ebsVolumeEncrypted: Check = {
  id: 'ebs-volume-encrypted',
  title: 'EBS volumes are encrypted',
  service: 'ebs',
  inventories: ['ebs'],
  severity: 'high',
  risk: 'An unencrypted volume, and every snapshot of it, holds its data in clear.',
  remediation: {
    text: 'Snapshot the volume, copy the snapshot with encryption, and replace the volume with one created from the copy.',
    cli: 'aws ec2 copy-snapshot --source-region <region> --source-snapshot-id <snapshot-id> --encrypted --kms-key-id <key-arn>',
  },
  configRule: 'ENCRYPTED_VOLUMES',
  prowlerId: 'ec2_ebs_volume_encryption',
  evaluate: ({ebs}) =>
    ebs.volumes.map((v) => ({
      resource: {type: 'AWS::EC2::Volume', id: v.VolumeId!, tags: tagMap(v.Tags)},
      pass: v.Encrypted === true,
      reason: `EBS volume ${v.VolumeId} is ${v.Encrypted ? '' : 'not '}encrypted.`,
    })),
}
