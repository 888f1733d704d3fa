import {Args, Flags} from '@oclif/core'

import {MAX_OBJECTIVE_SECONDS, secondsFlag} from '../../lib/cli/flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {type FailoverDrillOptions, failoverDrillContext, failoverModes, resolveDrillOptions} from '../../lib/recovery/failover/context.js'
import {type FailoverDrillOutcome, failoverDrillWorkflow} from '../../lib/recovery/failover/drill.js'
import {drillRtoTrend} from '../../lib/recovery/failover/history.js'

export default class FailoverDrill extends WorkflowCommand<typeof FailoverDrill> {
  static override summary = 'Force a Multi-AZ failover, an Aurora writer failover or a replica promotion, and measure the recovery time against the target.'
  static override description =
    `Preflight checks come first, each a read-only step: the DB instance or cluster exists and is available, Multi-AZ is on and the endpoint is AWS, not an emulator such as the sandbox, which cannot fail an instance over (multi-az mode), or the cluster has a reader (cluster mode), no modifications are pending, the given CloudWatch alarms are OK, and a snapshot from the last 24 hours exists (a warning otherwise). A failed check exits 2 before anything changes.

The drill then asks for confirmation (--yes answers it; without a terminal and without --yes the command refuses), makes the failover happen, and polls every second (every 5 s once the target RTO has passed), recording each change of status, availability zone or writer, and alarm state. RTO comes from the RDS events (failover started → completed) when they exist, otherwise from the first unavailable to the first recovered observation; both are reported, with the poll interval as the resolution.

Exit codes: 0 the objective was met; 4 the RTO was above --target-rto, the availability zone or writer did not change, or an alarm did not return to OK within --alarm-timeout; 1 the failover did not complete within --timeout; 2 a preflight check refused the drill.

In replica-promotion mode a read replica is created (or --replica names an existing one of this instance), promoted, measured until it is available and writable, then deleted unless --keep. A replica the run created is deleted if the run fails.`
  static override examples = [
    {
      description: 'Drill the Multi-AZ failover of a tenant shard, with an alarm that must stay healthy',
      command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --alarm tenant-shard-001-cpu',
    },
    {
      description: 'Fail an Aurora cluster over to a chosen reader, in CI',
      command: '<%= config.bin %> <%= command.id %> --cluster tenants-eu --target-instance tenants-eu-b --yes --json',
    },
    {
      description: 'Drill a replica promotion with a 60 s objective and keep the promoted instance',
      command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --mode replica-promotion --target-rto 60 --keep --yes',
    },
    {description: 'Run the preflight checks only', command: '<%= config.bin %> <%= command.id %> tenant-shard-001 --dry-run'},
  ]
  static override args = {
    dbInstance: Args.string({description: 'DB instance to drill (multi-az and replica-promotion modes)'}),
  }
  static override flags = {
    cluster: Flags.string({description: 'Aurora DB cluster to drill (cluster mode).'}),
    mode: Flags.option({description: 'What to drill (default: cluster with --cluster, otherwise multi-az).', options: failoverModes})(),
    'target-rto': secondsFlag({description: 'Recovery time objective in seconds; a slower recovery exits 4.', default: 120, max: MAX_OBJECTIVE_SECONDS}),
    alarm: Flags.string({description: 'CloudWatch alarm that must be OK before the drill and OK again after it (repeatable).', multiple: true}),
    timeout: secondsFlag({
      description: 'Seconds to wait for the failover (or a new replica) to complete before the run fails (exit 1); at most a week.',
      default: 900,
    }),
    'alarm-timeout': secondsFlag({description: 'Seconds to wait after the recovery for the alarms to be OK again; at most a week.', default: 300, min: 0}),
    'target-instance': Flags.string({description: 'cluster mode: the reader to make the writer (default: RDS chooses).'}),
    replica: Flags.string({description: 'replica-promotion mode: promote this existing read replica of the instance instead of creating one.'}),
    keep: Flags.boolean({description: 'replica-promotion mode: keep the promoted instance instead of deleting it.', default: false}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation before the failover.'}),
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const options = resolveDrillOptions({
      dbInstance: this.args.dbInstance,
      cluster: flags.cluster,
      mode: flags.mode,
      targetInstance: flags['target-instance'],
      replica: flags.replica,
      keep: flags.keep,
      alarms: flags.alarm ?? [],
      targetRtoSeconds: flags['target-rto'],
      timeoutSeconds: flags.timeout,
      alarmTimeoutSeconds: flags['alarm-timeout'],
    })
    return this.runWorkflow({
      workflow: failoverDrillWorkflow(options),
      parameters: {...options},
      context: (session) => failoverDrillContext(session, options),
      confirm: {question: confirmationQuestion(options), yes: flags.yes},
      describe: describeDrill,
      rtoTrend: () => drillRtoTrend(options.target, options.mode),
    })
  }
}

function describeDrill(outcome: FailoverDrillOutcome): string[] {
  const events = outcome.rtoFromEventsSeconds === undefined ? 'no failover events' : `${outcome.rtoFromEventsSeconds} s from the RDS events`
  return [
    'Transitions observed:',
    ...outcome.transitions.map((t) => `  ${t.at}  ${t.subject}: ${t.from} → ${t.to}`),
    `${outcome.positionKind} before → after: ${outcome.before.position} → ${outcome.after.position}${outcome.after.secondary ? ` (standby now in ${outcome.after.secondary})` : ''}.`,
    `RTO ${outcome.rtoSeconds} s (${events}; ${outcome.rtoFromPollingSeconds} s from polling every ${outcome.pollIntervalSeconds} s); target ${outcome.targetRtoSeconds} s.`,
    ...(outcome.replicaId ? [`Replica ${outcome.replicaId} ${outcome.replicaDeleted ? 'is being deleted' : 'was kept'}.`] : []),
    outcome.verdict === 'met' ? 'Objective met.' : `Objective missed: ${outcome.reasons.join('; ')}.`,
  ]
}

function confirmationQuestion(options: FailoverDrillOptions): string {
  switch (options.mode) {
    case 'multi-az':
      return `Force a Multi-AZ failover of DB instance ${options.target} (its connections drop for about a minute)?`
    case 'cluster':
      return `Fail DB cluster ${options.target} over to ${options.targetInstanceId ?? 'a reader'} (writer connections drop for up to a minute)?`
    case 'replica-promotion': {
      const replica = options.replicaId ? `read replica ${options.replicaId}` : `a new read replica of ${options.target}`
      return `Promote ${replica} to a standalone DB instance${options.keepReplica ? '' : ' and delete it afterwards'}?`
    }
  }
}
