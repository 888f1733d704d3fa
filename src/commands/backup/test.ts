import {Args, Flags} from '@oclif/core'

import {assertDbInstanceIdentifier} from '../../lib/aws/rds.js'
import {MAX_OBJECTIVE_SECONDS, secondsFlag} from '../../lib/cli/flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {backupRtoTrend} from '../../lib/recovery/backup-history.js'
import {backupTestContext, backupTestWorkflow} from '../../lib/recovery/backup-test.js'
import {assertSnapshotReference} from '../../lib/recovery/snapshots.js'

export default class BackupTest extends WorkflowCommand<typeof BackupTest> {
  static override summary = 'Test the backups of an RDS DB instance: check the backup policy, restore, verify, measure RTO and RPO, clean up.'
  static override description =
    `The quarterly backup test. Checks, each as its own step: automated backups on, retention at least --min-retention days, storage and snapshots encrypted. Then restores the newest automated snapshot (or --snapshot) beside the source under a temporary name (<source>-backup-test-<run>), verifies it (available, encrypted like the source, same engine and version), measures the RTO (restore start to available) and the RPO (age of the restored data at the start of the test), and deletes the temporary instance without a final snapshot: always, also after a failure or Ctrl-C, unless --keep.

Exit 4 when a policy check fails or the RTO or RPO is above its limit; the run record (--json, "opsctl runs show"), --junit and --summary are the evidence. "opsctl backup history" lists past tests.`
  static override examples = [
    {description: 'The quarterly test of a tenant shard', command: '<%= config.bin %> <%= command.id %> tenant-shard-001'},
    {
      description: 'With recovery objectives and evidence files for the auditor',
      command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --max-rto 1800 --max-rpo 90000 --junit backup-test.xml --summary backup-test.md',
    },
    {
      description: 'Test a particular snapshot and keep the restored instance to look at it',
      command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --snapshot rds:tenant-shard-001-2026-11-23-03-10 --keep',
    },
  ]
  static override args = {
    dbInstance: Args.string({description: 'DB instance identifier whose backups are tested', required: true}),
  }
  static override flags = {
    snapshot: Flags.string({description: 'Test this snapshot of the instance instead of the newest automated one.'}),
    'max-rto': secondsFlag({description: 'Recovery time objective in seconds: exit 4 when the restore takes longer.', max: MAX_OBJECTIVE_SECONDS}),
    'max-rpo': secondsFlag({description: 'Recovery point objective in seconds: exit 4 when the restored data is older.', max: MAX_OBJECTIVE_SECONDS}),
    'min-retention': Flags.integer({description: 'Days automated backups must be kept.', default: 30, min: 1, max: 35}),
    keep: Flags.boolean({description: 'Keep the temporary instance (also after a failure); you delete it.'}),
    timeout: secondsFlag({description: 'Seconds to wait for the restore, and for the deletion; at most a week.', default: 7200}),
    'poll-interval': secondsFlag({description: 'Seconds between status checks.', default: 30, max: 3600}),
  }

  async run(): Promise<RunRecord> {
    const dbInstanceId = assertDbInstanceIdentifier(this.args.dbInstance).toLowerCase()
    const snapshotId = this.flags.snapshot === undefined ? undefined : assertSnapshotReference(this.flags.snapshot)
    const {keep} = this.flags
    const limits = {minRetentionDays: this.flags['min-retention'], maxRtoSeconds: this.flags['max-rto'], maxRpoSeconds: this.flags['max-rpo']}
    return this.runWorkflow({
      workflow: backupTestWorkflow,
      parameters: {dbInstanceId, snapshotId, ...limits, keep},
      context: (session) =>
        backupTestContext(session, {
          sourceId: dbInstanceId,
          snapshotId,
          ...limits,
          keep,
          pollIntervalMs: this.flags['poll-interval'] * 1000,
          timeoutMs: this.flags.timeout * 1000,
        }),
      undoOnFailure: !keep,
      rtoTrend: () => backupRtoTrend(dbInstanceId),
      // Each check is a step of its own: the step list already shows every one, with the detail of those missed.
      describe: (o) => [
        `Backup test of ${dbInstanceId} ${o.verdict}: restored ${o.snapshotId} (data from ${o.restorePoint}), RTO ${o.rtoSeconds} s, RPO ${o.rpoSeconds} s; temporary instance ${o.temporaryInstanceId} ${o.temporaryInstanceDeleted ? 'deleted' : 'kept'}.`,
      ],
    })
  }
}
