import {Args, Flags} from '@oclif/core'

import {assertDbInstanceIdentifier} from '../../lib/aws/rds.js'
import {secondsFlag} from '../../lib/cli/flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {UsageError} from '../../lib/errors/errors.js'
import {assertRekeyable, type RestoreFrom, snapshotRestoreContext, snapshotRestoreWorkflow} from '../../lib/recovery/restore.js'
import {assertNotSource} from '../../lib/recovery/restore-steps.js'
import {assertSnapshotReference} from '../../lib/recovery/snapshots.js'

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

export default class SnapshotRestore extends WorkflowCommand<typeof SnapshotRestore> {
  static override summary = 'Restore an RDS DB instance from a snapshot or a point in time to a new instance beside it.'
  static override description =
    `The source is never changed: the restore always makes a new instance (default name <source>-restore-<UTC yyyymmddhhmm>) and refuses a name that exists. The new instance gets the source's instance class, subnet group, VPC security groups, parameter and option groups, Multi-AZ, storage type, port, encryption and KMS key (unless --kms-key), copy-tags-to-snapshot setting and tags, plus opsctl:restored-from, opsctl:restore-point and opsctl:run-id; deletion protection is on unless --no-deletion-protection.

A point in time (--to-time) must lie in the source's restorable window (from its automated backups' earliest restorable time, or now minus the retention period, to its latest restorable time); --latest takes the latest restorable time. opsctl waits until the new instance is available, verifies its status, encryption, engine and version, and records the recovery time (rtoSeconds). If the run fails after the restore started, the half-made instance is deleted unless --keep-on-failure.

--kms-key restores a snapshot under another KMS key (RDS cannot change the key while restoring): opsctl checks that the key is enabled and symmetric, copies the snapshot under it (<source>-rekey-<run id>, tagged with the run id), restores the copy, verifies that the new instance is encrypted with that key, and deletes the copy. An unencrypted snapshot becomes an encrypted instance this way. A point in time (--to-time, --latest) cannot be re-keyed. The copy is also deleted when the run fails or is interrupted, unless --keep-on-failure.`
  static override examples = [
    {
      description: 'Restore a snapshot beside the source',
      command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --snapshot rds:tenant-shard-001-2026-11-23-03-10',
    },
    {
      description: 'Restore the data as it was at a moment, under a chosen name',
      command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --to-time 2026-11-23T09:41:00Z --target tenant-shard-001-before-import',
    },
    {description: 'Restore the latest restorable time; see the plan first', command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --latest --dry-run'},
    {
      description: 'In CI, keeping the instance if verification fails, with a JUnit report',
      command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --latest --keep-on-failure --junit restore.xml --json',
    },
    {
      description: 'Restore a snapshot under another KMS key (through a copy of the snapshot, deleted afterwards)',
      command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --snapshot tenant-shard-001-baseline --kms-key alias/tenant-shards-2027',
    },
  ]
  static override args = {
    dbInstance: Args.string({description: 'Source DB instance identifier', required: true}),
  }
  static override flags = {
    snapshot: Flags.string({
      description: 'Restore this snapshot of the source (manual, or automated as rds:<name>).',
      exactlyOne: ['snapshot', 'to-time', 'latest'],
    }),
    'to-time': Flags.string({
      description: 'Restore the data as it was at this ISO-8601 time with a zone, e.g. 2026-11-23T09:41:00Z.',
      exactlyOne: ['snapshot', 'to-time', 'latest'],
    }),
    latest: Flags.boolean({description: 'Restore the latest restorable time.', exactlyOne: ['snapshot', 'to-time', 'latest']}),
    'kms-key': Flags.string({
      description:
        "Restore the --snapshot under this KMS key (key id, key ARN, alias name or alias ARN) instead of the snapshot's, through a copy of the snapshot.",
    }),
    target: Flags.string({description: 'Name of the new DB instance (default: <source>-restore-<UTC yyyymmddhhmm>).'}),
    'deletion-protection': Flags.boolean({description: 'Turn deletion protection on for the new instance.', default: true, allowNo: true}),
    'keep-on-failure': Flags.boolean({description: 'Keep the new instance when the run fails after the restore started (for diagnosis).'}),
    timeout: secondsFlag({
      description: 'Seconds to wait for the new instance (and, with --kms-key, the copy of the snapshot) to become available; at most a week.',
      default: 7200,
    }),
    'poll-interval': secondsFlag({description: 'Seconds between status checks.', default: 30, max: 3600}),
  }

  async run(): Promise<RunRecord> {
    const sourceId = assertDbInstanceIdentifier(this.args.dbInstance).toLowerCase()
    const targetId = this.flags.target === undefined ? undefined : assertDbInstanceIdentifier(this.flags.target).toLowerCase()
    if (targetId) assertNotSource(targetId, sourceId)
    const snapshotId = this.flags.snapshot === undefined ? undefined : assertSnapshotReference(this.flags.snapshot)
    const toTime = this.flags['to-time']
    if (toTime !== undefined && (!isoTime.test(toTime) || Number.isNaN(Date.parse(toTime)))) {
      throw new UsageError(`--to-time "${toTime}" is not an ISO-8601 time with a zone; write it like 2026-11-23T09:41:00Z.`, 'InvalidTime')
    }
    const from: RestoreFrom = snapshotId ? {snapshotId} : toTime ? {time: new Date(toTime)} : {latest: true}
    const kmsKeyId = this.flags['kms-key']
    assertRekeyable(from, kmsKeyId)
    const deletionProtection = this.flags['deletion-protection']
    const keepOnFailure = this.flags['keep-on-failure']
    return this.runWorkflow({
      workflow: snapshotRestoreWorkflow({kmsKeyId}),
      parameters: {sourceId, snapshotId, toTime, latest: this.flags.latest || undefined, kmsKeyId, targetId, deletionProtection, keepOnFailure},
      context: (session) =>
        snapshotRestoreContext(session, {
          sourceId,
          from,
          kmsKeyId,
          targetId,
          deletionProtection,
          pollIntervalMs: this.flags['poll-interval'] * 1000,
          timeoutMs: this.flags.timeout * 1000,
        }),
      undoOnFailure: !keepOnFailure,
      describe: (o) => [
        `Restored ${sourceId} to ${o.targetId} (data from ${o.restorePoint}) in ${o.rtoSeconds} s; endpoint ${o.endpoint}:${o.port}.`,
        ...(o.copySnapshotId
          ? [
              `It is encrypted with KMS key ${o.kmsKeyId} (--kms-key); the copy ${o.copySnapshotId} of the snapshot was ${o.copySnapshotDeleted ? 'deleted' : 'not deleted'}.`,
            ]
          : []),
        o.deletionProtection
          ? `Deletion protection is on: turn it off before deleting ${o.targetId}.`
          : `Deletion protection is off: delete ${o.targetId} when you no longer need it.`,
      ],
    })
  }
}
