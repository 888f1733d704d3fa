import {Args} from '@oclif/core'

import {assertDbInstanceIdentifier} from '../../lib/aws/rds.js'
import {BaseCommand} from '../../lib/cli/base-command.js'
import {listSnapshots, type SnapshotSummary} from '../../lib/recovery/snapshots.js'
import {table} from '../../lib/report/format.js'

export default class SnapshotList extends BaseCommand<typeof SnapshotList> {
  static override summary = 'List the snapshots of an RDS DB instance, newest first.'
  static override description = 'Automated and manual snapshots; the RUN column names the opsctl run that took a snapshot.'
  static override examples = [
    {description: 'As a table', command: '<%= config.bin %> <%= command.id %> tenant-shard-001'},
    {description: 'As JSON, for scripts', command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --json'},
  ]
  static override args = {
    dbInstance: Args.string({description: 'DB instance identifier', required: true}),
  }

  async run(): Promise<{dbInstanceId: string; snapshots: SnapshotSummary[]}> {
    const dbInstanceId = assertDbInstanceIdentifier(this.args.dbInstance)
    const session = await this.openAwsSession()
    const {instanceExists, snapshots} = await listSnapshots(session, dbInstanceId)
    if (!instanceExists) this.warn(`DB instance ${dbInstanceId} no longer exists in ${session.region}; these are its remaining snapshots.`)
    this.say(
      snapshots.length === 0
        ? `DB instance ${dbInstanceId} has no snapshots.`
        : table(
            ['SNAPSHOT', 'TYPE', 'STATUS', 'CREATED', 'GIB', 'ENCRYPTED', 'RUN'],
            snapshots.map((s) => [
              s.snapshotId,
              s.type,
              s.status,
              s.createdAt ?? '',
              String(s.allocatedStorageGiB ?? ''),
              s.encrypted ? 'yes' : 'NO',
              s.runId ?? '',
            ]),
          ),
    )
    return {dbInstanceId, snapshots}
  }
}
