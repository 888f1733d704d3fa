import {Args, Flags} from '@oclif/core'

import {assertDbInstanceIdentifier} from '../../lib/aws/rds.js'
import {BaseCommand} from '../../lib/cli/base-command.js'
import {type BackupTestEntry, type BackupTrend, backupTestHistory, backupTrends} from '../../lib/recovery/backup-history.js'
import {formatDuration, outputWidth, table} from '../../lib/report/format.js'
import {rtoSparkline} from '../../lib/report/trend.js'

const seconds = (s?: number) => (s === undefined ? '' : s < 3600 ? formatDuration(s * 1000) : `${(s / 3600).toFixed(1)}h`)

export default class BackupHistory extends BaseCommand<typeof BackupHistory> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'List past backup tests from the journals in $OPSCTL_HOME/runs, newest first, with the RTO trend of each instance.'
  static override description =
    'Date, instance, snapshot restored, RTO, RPO and verdict of every "opsctl backup test" run recorded here (dry runs excluded), then per instance a sparkline of the RTO of its last 12 tests that ran to the end, oldest → newest, with the lowest and highest (▁▃▅▇ 9m12s–10m40s). The full evidence of a test: "opsctl runs show <run>". The Markdown summary of a test (--summary, $GITHUB_STEP_SUMMARY) charts the same trend.'
  static override examples = [
    {description: 'Every backup test', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'The tests of one instance, as JSON', command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --json'},
  ]
  static override args = {
    dbInstance: Args.string({description: 'Only the tests of this DB instance'}),
  }
  static override flags = {
    limit: Flags.integer({description: 'Show at most this many tests.', default: 50, min: 1}),
  }

  async run(): Promise<{tests: BackupTestEntry[]; trends: BackupTrend[]}> {
    const dbInstanceId = this.args.dbInstance === undefined ? undefined : assertDbInstanceIdentifier(this.args.dbInstance).toLowerCase()
    const tests = (await backupTestHistory(dbInstanceId)).slice(0, this.flags.limit)
    const trends = backupTrends(tests)
    this.say(
      tests.length === 0
        ? `No backup tests recorded${dbInstanceId ? ` for ${dbInstanceId}` : ''} yet; run "opsctl backup test <db-instance>".`
        : [
            table(
              ['DATE', 'INSTANCE', 'SNAPSHOT', 'RTO', 'RPO', 'VERDICT', 'RUN'],
              tests.map((t) => [t.startedAt, t.dbInstanceId, t.snapshotId ?? '', seconds(t.rtoSeconds), seconds(t.rpoSeconds), t.verdict, t.runId]),
            ),
            '',
            table(
              ['INSTANCE', 'TESTS', 'LAST RTO', 'RTO, OLDEST → NEWEST'],
              trends.map((t) => [t.dbInstanceId, String(t.rtoSeconds.length), seconds(t.rtoSeconds.at(-1)), rtoSparkline(t.rtoSeconds, seconds)]),
              {width: outputWidth(), columns: {INSTANCE: 12}},
            ),
          ].join('\n'),
    )
    return {tests, trends}
  }
}
