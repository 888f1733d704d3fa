import {
  CopyDBSnapshotCommand,
  type DBInstance,
  DBInstanceNotFoundFault,
  type DBSnapshot,
  DBSnapshotNotFoundFault,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBInstanceStateFault,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds'
import {mockClient} from 'aws-sdk-client-mock'

import type {RunReporter} from '../../../src/lib/engine/reporter.js'
import {silentReporter} from '../../../src/lib/engine/reporter.js'

export const runId = '20260101T000000Z-4f9a1c'
export const sourceId = 'tenant-shard-001'
export const kmsKey = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
export const now = Date.parse('2026-01-01T00:00:00Z')

export const tenantShard = (overrides: Partial<DBInstance> = {}): DBInstance => ({
  DBInstanceIdentifier: sourceId,
  DBInstanceStatus: 'available',
  DBInstanceClass: 'db.r6g.large',
  Engine: 'postgres',
  EngineVersion: '16.3',
  StorageEncrypted: true,
  KmsKeyId: kmsKey,
  BackupRetentionPeriod: 30,
  LatestRestorableTime: new Date(now - 5 * 60_000),
  MultiAZ: true,
  StorageType: 'gp3',
  Endpoint: {Address: `${sourceId}.abc.us-east-1.rds.amazonaws.com`, Port: 5432},
  TagList: [{Key: 'tenant-shard', Value: '001'}],
  ...overrides,
})

export const automatedSnapshot = (createdAt: Date, overrides: Partial<DBSnapshot> = {}): DBSnapshot => ({
  DBSnapshotIdentifier: `rds:${sourceId}-${createdAt.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`,
  DBInstanceIdentifier: sourceId,
  SnapshotType: 'automated',
  Status: 'available',
  SnapshotCreateTime: createdAt,
  Engine: 'postgres',
  EngineVersion: '16.3',
  Encrypted: true,
  KmsKeyId: kmsKey,
  ...overrides,
})

/**
 * RDS as a script: the source instance and its snapshots, and a restored instance whose status moves
 * one entry of `timeline` forward on every DescribeDBInstances of it (the last entry stays). A deleted
 * instance is `deleting` once, then gone. `onDescribeTarget` sees the count of describes of the target.
 * A copy of a snapshot moves through `copyTimeline` the same way; an instance is restored under the key
 * of its snapshot unless `restoredKmsKeyId` says otherwise.
 */
export class ScriptedRds {
  readonly mock = mockClient(RDSClient)
  source = tenantShard()
  snapshots: DBSnapshot[] = []
  restoreWindow?: {EarliestTime: Date; LatestTime: Date}
  timeline: string[] = ['creating', 'backing-up', 'available']
  /** An instance by the target name that exists before the run (someone else's, or an earlier attempt's). */
  target?: DBInstance
  restoredEngineVersion?: string
  copyTimeline: string[] = ['creating', 'available']
  /** The key RDS restores under, whatever the snapshot's (it never should differ). */
  restoredKmsKeyId?: string
  /** What DeleteDBSnapshot throws, if anything. */
  deleteSnapshotError?: Error
  onDescribeTarget?: (count: number) => void
  private describesOfTarget = 0
  private readonly copies = new Set<string>()

  constructor() {
    this.mock.on(DescribeDBInstancesCommand).callsFake(({DBInstanceIdentifier: id}) => {
      if (id === sourceId) return {DBInstances: [this.source]}
      if (!this.target || this.target.DBInstanceIdentifier !== id) throw new DBInstanceNotFoundFault({message: `DBInstance ${id} not found.`, $metadata: {}})
      this.onDescribeTarget?.(++this.describesOfTarget)
      const status = this.timeline.length > 1 ? this.timeline.shift()! : this.timeline[0]
      if (status === 'gone') {
        const gone = this.target
        this.target = undefined
        throw new DBInstanceNotFoundFault({message: `DBInstance ${gone.DBInstanceIdentifier} not found.`, $metadata: {}})
      }
      this.target.DBInstanceStatus = status
      return {DBInstances: [{...this.target}]}
    })
    this.mock.on(DescribeDBSnapshotsCommand).callsFake(({DBSnapshotIdentifier: id, DBInstanceIdentifier: instance, SnapshotType: type}) => {
      if (id) {
        const snapshot = this.snapshots.find((s) => s.DBSnapshotIdentifier === id)
        if (!snapshot) throw new DBSnapshotNotFoundFault({message: `DBSnapshot ${id} not found.`, $metadata: {}})
        if (this.copies.has(id)) snapshot.Status = this.copyTimeline.length > 1 ? this.copyTimeline.shift()! : this.copyTimeline[0]
        return {DBSnapshots: [{...snapshot}]}
      }
      return {DBSnapshots: this.snapshots.filter((s) => s.DBInstanceIdentifier === instance && (!type || s.SnapshotType === type))}
    })
    this.mock.on(DescribeDBInstanceAutomatedBackupsCommand).callsFake(() => ({
      DBInstanceAutomatedBackups: [{DBInstanceIdentifier: sourceId, Status: 'active', RestoreWindow: this.restoreWindow}],
    }))
    const restored = (input: {Tags?: DBInstance['TagList']; DeletionProtection?: boolean}, id: string, kmsKeyId = this.source.KmsKeyId) => {
      this.target = {
        ...this.source,
        DBInstanceIdentifier: id,
        TagList: input.Tags,
        DeletionProtection: input.DeletionProtection,
        KmsKeyId: this.restoredKmsKeyId ?? kmsKeyId,
        EngineVersion: this.restoredEngineVersion ?? this.source.EngineVersion,
        Endpoint: {Address: `${id}.abc.us-east-1.rds.amazonaws.com`, Port: 5432},
      }
      return {DBInstance: this.target}
    }
    this.mock
      .on(RestoreDBInstanceFromDBSnapshotCommand)
      .callsFake((input) =>
        restored(input, input.DBInstanceIdentifier, this.snapshots.find((s) => s.DBSnapshotIdentifier === input.DBSnapshotIdentifier)?.KmsKeyId),
      )
    this.mock.on(RestoreDBInstanceToPointInTimeCommand).callsFake((input) => restored(input, input.TargetDBInstanceIdentifier))
    this.mock.on(CopyDBSnapshotCommand).callsFake((input) => {
      const original = this.snapshots.find((s) => s.DBSnapshotIdentifier === input.SourceDBSnapshotIdentifier)!
      const copy: DBSnapshot = {
        ...original,
        DBSnapshotIdentifier: input.TargetDBSnapshotIdentifier,
        SnapshotType: 'manual',
        Status: 'pending',
        Encrypted: true,
        KmsKeyId: input.KmsKeyId,
        TagList: input.Tags,
        OriginalSnapshotCreateTime: original.SnapshotCreateTime,
      }
      this.snapshots.push(copy)
      this.copies.add(copy.DBSnapshotIdentifier!)
      return {DBSnapshot: copy}
    })
    this.mock.on(DeleteDBSnapshotCommand).callsFake(({DBSnapshotIdentifier: id}) => {
      if (this.deleteSnapshotError) throw this.deleteSnapshotError
      this.snapshots = this.snapshots.filter((s) => s.DBSnapshotIdentifier !== id)
      return {}
    })
    this.mock.on(ModifyDBInstanceCommand).callsFake(({DeletionProtection}) => {
      this.assertSettled()
      this.target!.DeletionProtection = DeletionProtection
      return {DBInstance: this.target}
    })
    this.mock.on(DeleteDBInstanceCommand).callsFake(() => {
      this.assertSettled()
      if (this.target!.DeletionProtection)
        throw new Error('InvalidParameterCombination: Cannot delete protected DB Instance, please disable deletion protection and try again.')
      this.timeline = ['deleting', 'gone']
      return {DBInstance: this.target}
    })
  }

  /** RDS refuses changes to an instance that is still being created. */
  private assertSettled(): void {
    if (this.target?.DBInstanceStatus === 'creating') throw new InvalidDBInstanceStateFault({message: 'Instance is not available.', $metadata: {}})
  }

  /** What each call was, in order, e.g. ['RestoreDBInstanceToPointInTime', 'DeleteDBInstance']. */
  changes(): string[] {
    return this.mock
      .calls()
      .map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''))
      .filter((name) => /^(Restore|Modify|Delete|Copy)/.test(name))
  }
}

/** A reporter that collects progress lines and warnings. */
export function collectingReporter(): RunReporter & {progress: string[]; warnings: string[]} {
  const progress: string[] = []
  const warnings: string[] = []
  return {...silentReporter, progress, warnings, stepProgress: (_step, message) => progress.push(message), warning: (message) => warnings.push(message)}
}
