import {Args, Flags} from '@oclif/core'

import {assertDbInstanceIdentifier, assertDbSnapshotIdentifier} from '../../lib/aws/rds.js'
import {secondsFlag} from '../../lib/cli/flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {snapshotCreateContext, snapshotCreateWorkflow} from '../../lib/recovery/snapshots.js'

export default class SnapshotCreate extends WorkflowCommand<typeof SnapshotCreate> {
  static override summary = 'Take a manual snapshot of an RDS DB instance and wait until it is available.'
  static override description =
    `The snapshot is tagged with the run id (opsctl:run-id), so a resumed run finds the snapshot it started instead of taking a second one. If the run fails or is interrupted, the snapshot it created is deleted.`
  static override examples = [
    {description: 'Snapshot a tenant shard before a change', command: '<%= config.bin %> <%= command.id %> tenant-shard-001'},
    {
      description: 'Choose the snapshot name and see the plan first',
      command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --snapshot-id pre-upgrade-001 --dry-run',
    },
    {description: 'In CI, with a JUnit report and JSON result', command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --junit snapshot.xml --json'},
    {description: 'Resume a run that was interrupted', command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --resume 20261123T192515Z-4f9a1c'},
  ]
  static override args = {
    dbInstance: Args.string({description: 'DB instance identifier', required: true}),
  }
  static override flags = {
    'snapshot-id': Flags.string({description: 'Name of the new snapshot (default: <db-instance>-<run-id>).'}),
    timeout: secondsFlag({description: 'Seconds to wait for the snapshot to become available; at most a week.', default: 3600}),
    'poll-interval': secondsFlag({description: 'Seconds between status checks.', default: 15, max: 3600}),
  }

  async run(): Promise<RunRecord> {
    const dbInstanceId = assertDbInstanceIdentifier(this.args.dbInstance)
    const snapshotId = this.flags['snapshot-id'] === undefined ? undefined : assertDbSnapshotIdentifier(this.flags['snapshot-id'])
    return this.runWorkflow({
      workflow: snapshotCreateWorkflow,
      parameters: {dbInstanceId, snapshotId},
      context: (session) =>
        snapshotCreateContext(session, {
          dbInstanceId,
          snapshotId,
          pollIntervalMs: this.flags['poll-interval'] * 1000,
          timeoutMs: this.flags.timeout * 1000,
        }),
      describe: (o) => [
        `Snapshot ${o.snapshotId} of ${dbInstanceId} is available (${o.allocatedStorageGiB} GiB, ${o.encrypted ? 'encrypted' : 'NOT encrypted'}).`,
      ],
    })
  }
}
