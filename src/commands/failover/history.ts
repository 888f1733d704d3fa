import {Args} from '@oclif/core'

import {assertDbInstanceIdentifier} from '../../lib/aws/rds.js'
import {BaseCommand} from '../../lib/cli/base-command.js'
import {type DrillTrend, failoverHistory, type PastDrill} from '../../lib/recovery/failover/history.js'
import {outputWidth, table} from '../../lib/report/format.js'
import {rtoSparkline} from '../../lib/report/trend.js'

const seconds = (value: number | undefined) => (value === undefined ? '' : `${value} s`)

export default class FailoverHistory extends BaseCommand<typeof FailoverHistory> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'List past failover drills from the journals, with the recovery-time trend of each target.'
  static override description =
    'Each drill shows its date, mode, RTO, target RTO and verdict (met, missed, or how the run ended). The trend compares the last RTO of a target and mode with the median of its earlier drills: more than 10% lower is improving, more than 10% higher worsening; a sparkline draws the RTO of its last 12 drills, oldest → newest, with the lowest and highest (▁▂▃▅▇ 58 s–71 s). Dry runs and runs refused by the preflight checks are left out. The Markdown summary of a drill (--summary, $GITHUB_STEP_SUMMARY) charts the same trend.'
  static override examples = [
    {description: 'Every drill recorded here', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'The drills of one DB instance or cluster, as JSON', command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --json'},
  ]
  static override args = {
    dbInstance: Args.string({description: 'Only drills of this DB instance or cluster'}),
  }

  async run(): Promise<{target?: string; drills: PastDrill[]; trends: DrillTrend[]}> {
    // Cluster and instance identifiers follow the same rules.
    const target = this.args.dbInstance === undefined ? undefined : assertDbInstanceIdentifier(this.args.dbInstance)
    const {drills, trends} = await failoverHistory(target)
    if (drills.length === 0) {
      this.say(target ? `No failover drills of ${target} recorded yet.` : 'No failover drills recorded yet.')
    } else {
      this.say(
        table(
          ['STARTED', 'TARGET', 'MODE', 'RTO', 'TARGET RTO', 'VERDICT', 'RUN'],
          drills.map((d) => [d.startedAt, d.target, d.mode, seconds(d.rtoSeconds), seconds(d.targetRtoSeconds), d.verdict, d.runId]),
        ),
      )
      this.say(
        '\n' +
          table(
            ['TARGET', 'MODE', 'DRILLS', 'LAST RTO', 'EARLIER MEDIAN', 'TREND', 'RTO, OLDEST → NEWEST'],
            trends.map((t) => [
              t.target,
              t.mode,
              String(t.drills),
              seconds(t.lastRtoSeconds),
              seconds(t.medianRtoSeconds),
              t.direction,
              rtoSparkline(t.rtoSeconds, seconds),
            ]),
            {width: outputWidth(), columns: {TARGET: 12, MODE: 9}},
          ),
      )
    }
    return {target, drills, trends}
  }
}
