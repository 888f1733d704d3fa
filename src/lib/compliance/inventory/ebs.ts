import type {Snapshot, Volume} from '@aws-sdk/client-ec2'

import {collectPages} from '../../aws/paginate.js'
import type {CollectorContext} from './collector.js'

export interface EbsInventory {
  encryptionByDefault: boolean
  volumes: Volume[]
  snapshots: Snapshot[]
}

export async function collectEbs({session, accountId}: CollectorContext): Promise<EbsInventory> {
  const {EC2Client, GetEbsEncryptionByDefaultCommand, paginateDescribeSnapshots, paginateDescribeVolumes} = await import('@aws-sdk/client-ec2')
  const client = session.client(EC2Client)
  const [{EbsEncryptionByDefault}, volumes, snapshots] = await Promise.all([
    client.send(new GetEbsEncryptionByDefaultCommand({})),
    collectPages(paginateDescribeVolumes({client}, {MaxResults: 500}), (p) => p.Volumes),
    collectPages(paginateDescribeSnapshots({client}, {OwnerIds: ['self'], MaxResults: 1000}), (p) => p.Snapshots),
  ])
  // OwnerIds self is all AWS needs, but emulators (moto) ignore it and list public snapshots of other accounts too.
  const owned = accountId ? snapshots.filter((s) => s.OwnerId === accountId) : snapshots
  return {encryptionByDefault: EbsEncryptionByDefault ?? false, volumes, snapshots: owned}
}
