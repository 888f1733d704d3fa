import type {Snapshot, Volume} from '@aws-sdk/client-ec2'

import {collectPages, type CollectorContext} from './index.js'

export interface EbsInventory {
  encryptionByDefault: boolean
  volumes: Volume[]
  snapshots: Snapshot[]
}

export async function collectEbs({session}: CollectorContext): Promise<EbsInventory> {
  const {EC2Client, GetEbsEncryptionByDefaultCommand, paginateDescribeSnapshots, paginateDescribeVolumes} = await import('@aws-sdk/client-ec2')
  const client = session.client(EC2Client)
  const [{EbsEncryptionByDefault}, volumes, snapshots] = await Promise.all([
    client.send(new GetEbsEncryptionByDefaultCommand({})),
    collectPages(paginateDescribeVolumes({client}, {MaxResults: 500}), (p) => p.Volumes),
    collectPages(paginateDescribeSnapshots({client}, {OwnerIds: ['self'], MaxResults: 1000}), (p) => p.Snapshots),
  ])
  return {encryptionByDefault: EbsEncryptionByDefault ?? false, volumes, snapshots}
}
