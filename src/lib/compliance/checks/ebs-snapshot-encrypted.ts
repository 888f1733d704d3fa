import {tagMap} from '../../aws/tags.js'
import type {Check} from '../types.js'

export const ebsSnapshotEncrypted: Check = {
  id: 'ebs-snapshot-encrypted',
  title: 'EBS snapshots owned by the account are encrypted',
  service: 'ebs',
  inventories: ['ebs'],
  severity: 'medium',
  risk: 'An unencrypted snapshot can be shared or copied with its data in clear.',
  remediation: {
    text: 'Copy the snapshot with encryption and delete the unencrypted one.',
    cli: 'aws ec2 copy-snapshot --source-region <region> --source-snapshot-id <snapshot-id> --encrypted --kms-key-id <key-arn>',
  },
  prowlerId: 'ec2_ebs_snapshots_encrypted',
  evaluate: ({ebs}) =>
    ebs.snapshots.map((s) => ({
      resource: {type: 'AWS::EC2::Snapshot', id: s.SnapshotId!, tags: tagMap(s.Tags)},
      pass: s.Encrypted === true,
      reason: `EBS snapshot ${s.SnapshotId} is ${s.Encrypted ? '' : 'not '}encrypted.`,
    })),
}
