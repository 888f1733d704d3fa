import {CloudWatchClient, DescribeAlarmsCommand} from '@aws-sdk/client-cloudwatch'
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeEventsCommand,
  type Event,
  RDSClient,
  RebootDBInstanceCommand,
} from '@aws-sdk/client-rds'
import {type AwsClientStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'
import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {type FailoverDrillOptions, resolveDrillOptions} from '../../../src/lib/recovery/failover/context.js'
import {type FailoverDrillOutcome, failoverDrillWorkflow} from '../../../src/lib/recovery/failover/drill.js'
import type {Transition} from '../../../src/lib/recovery/failover/measure.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'

/**
 * moto cannot emulate an instance failover (a reboot with ForceFailover changes nothing and produces no
 * events), so these tests script RDS and CloudWatch with SDK mocks on a virtual clock.
 */
// Created in before() and restored in after(): a mock made while mocha loads the files would stub every other file's clients too.
let rdsMock: AwsClientStub<RDSClient>
let cloudwatchMock: AwsClientStub<CloudWatchClient>

interface Script {
  /** Seconds after the reboot request when the instance stops being available. */
  downAt: number
  /** Seconds after the request when it is available again; Infinity for a failover that never completes. */
  upAt: number
  swapsAz?: boolean
  events?: boolean
  /** Per alarm: [from, to) seconds after the request during which it is in ALARM. */
  alarms?: Record<string, [number, number]>
  snapshotAgeHours?: number
  /** Seconds after the failover completed until RDS publishes its "completed" event. */
  completedEventLagSeconds?: number
}

function scriptFailover(clock: VirtualClock, script: Script) {
  let requestedAt: number | undefined
  const since = () => (requestedAt === undefined ? -Infinity : (clock.now() - requestedAt) / 1000)
  rdsMock.reset()
  cloudwatchMock.reset()
  rdsMock.on(RebootDBInstanceCommand).callsFake(() => {
    requestedAt = clock.now()
    return {}
  })
  rdsMock.on(DescribeDBInstancesCommand).callsFake(() => {
    const t = since()
    const after = t >= script.upAt
    const swapped = after && script.swapsAz !== false
    return {
      DBInstances: [
        {
          DBInstanceIdentifier: 'tenant-shard-001',
          DBInstanceStatus: t >= script.downAt && !after ? 'rebooting' : 'available',
          MultiAZ: true,
          AvailabilityZone: swapped ? 'us-east-1b' : 'us-east-1a',
          SecondaryAvailabilityZone: swapped ? 'us-east-1a' : 'us-east-1b',
          PendingModifiedValues: {},
        },
      ],
    }
  })
  rdsMock.on(DescribeDBSnapshotsCommand).callsFake(() => ({
    DBSnapshots: [
      {
        DBSnapshotIdentifier: 'rds:tenant-shard-001-daily',
        SnapshotCreateTime: new Date(clock.now() - (script.snapshotAgeHours ?? 3) * 3_600_000),
      },
    ],
  }))
  rdsMock.on(DescribeEventsCommand).callsFake(() => {
    const at = (seconds: number) => new Date(requestedAt! + seconds * 1000)
    const events: Event[] =
      script.events === false || requestedAt === undefined
        ? []
        : [
            {Message: 'Multi-AZ instance failover started.', EventCategories: ['failover'], Date: at(script.downAt)},
            {Message: 'DB instance restarted', EventCategories: ['availability'], Date: at(script.downAt + 20)},
            {Message: 'Multi-AZ instance failover completed.', EventCategories: ['failover'], Date: at(script.upAt)},
          ]
    const visibleAt = (e: Event) => e.Date!.getTime() + (/completed/.test(e.Message!) ? (script.completedEventLagSeconds ?? 0) * 1000 : 0)
    return {Events: events.filter((e) => visibleAt(e) <= clock.now())}
  })
  cloudwatchMock.on(DescribeAlarmsCommand).callsFake((input) => ({
    MetricAlarms: (input.AlarmNames ?? [])
      .filter((name: string) => script.alarms && name in script.alarms)
      .map((name: string) => {
        const [from, to] = script.alarms![name]
        const t = since()
        return {AlarmName: name, StateValue: t >= from && t < to ? 'ALARM' : 'OK'}
      }),
  }))
}

async function drill(script: Script, flags: Partial<Parameters<typeof resolveDrillOptions>[0]> = {}) {
  const clock = new VirtualClock()
  scriptFailover(clock, script)
  const options: FailoverDrillOptions = resolveDrillOptions({
    dbInstance: 'tenant-shard-001',
    keep: false,
    alarms: [],
    targetRtoSeconds: 120,
    timeoutSeconds: 900,
    alarmTimeoutSeconds: 300,
    ...flags,
  })
  const warnings: string[] = []
  const run = await runWorkflow({
    workflow: failoverDrillWorkflow(options),
    context: {...options, rds: new RDSClient({region: 'us-east-1'}), cloudwatch: new CloudWatchClient({region: 'us-east-1'})},
    parameters: {...options},
    clock,
    reporter: {...silentReporter, warning: (message) => warnings.push(message)},
  })
  const outcome = run.record.outcome as FailoverDrillOutcome | undefined
  const transitions = (run.record.steps.find((s) => s.id === 'measure-recovery')?.outputs?.transitions ?? []) as Transition[]
  return {...run, outcome, transitions, warnings}
}

const expectWithinOnePoll = (outcome: FailoverDrillOutcome, truth: number) =>
  expect(Math.abs(outcome.rtoFromPollingSeconds - truth), `polling RTO ${outcome.rtoFromPollingSeconds} s vs scripted ${truth} s`).to.be.at.most(
    outcome.pollIntervalSeconds,
  )

describe('failover drill measurement (scripted RDS timelines)', () => {
  before(() => {
    rdsMock = mockClient(RDSClient)
    cloudwatchMock = mockClient(CloudWatchClient)
  })
  after(() => {
    rdsMock.restore()
    cloudwatchMock.restore()
  })

  it('measures a normal failover: the AZ swaps, RTO comes from the events and polling agrees within one poll interval', async () => {
    const {exitCode, record, outcome, transitions} = await drill({downAt: 3.4, upAt: 65.1})
    expect(exitCode).to.equal(0)
    expect(outcome).to.include({verdict: 'met', changed: true, rtoSource: 'events', rtoSeconds: 61.7, rtoFromEventsSeconds: 61.7, pollIntervalSeconds: 1})
    expect(outcome!.before).to.deep.equal({status: 'available', position: 'us-east-1a', secondary: 'us-east-1b'})
    expect(outcome!.after).to.deep.equal({status: 'available', position: 'us-east-1b', secondary: 'us-east-1a'})
    expectWithinOnePoll(outcome!, 61.7)
    expect(record.metrics.rtoSeconds).to.equal(61.7)
    expect(transitions.map((t) => `${t.subject}: ${t.from} → ${t.to}`)).to.deep.equal([
      'status: available → rebooting',
      'status: rebooting → available',
      'availability zone: us-east-1a → us-east-1b',
    ])
    expect(record.objective).to.deep.equal({met: true, missed: []})
  })

  it('exits 4 when the failover completes slower than the target RTO', async () => {
    const {exitCode, record, outcome} = await drill({downAt: 2.2, upAt: 212.9}, {targetRtoSeconds: 120})
    expect(exitCode).to.equal(4)
    expect(outcome).to.include({verdict: 'missed', rtoSeconds: 210.7})
    expect(outcome!.reasons.join()).to.contain('RTO of 210.7 s (events) is above the target of 120 s')
    expectWithinOnePoll(outcome!, 210.7)
    expect(outcome!.pollIntervalSeconds).to.equal(5)
    expect(record.objective?.missed).to.deep.equal(outcome!.reasons)
  })

  it('fails the run (exit 1) when the failover never completes within --timeout', async () => {
    const {exitCode, record} = await drill({downAt: 4, upAt: Infinity}, {timeoutSeconds: 300})
    expect(exitCode).to.equal(1)
    expect(record.status).to.equal('failed')
    expect(record.error?.code).to.equal('StepTimeout')
    expect(record.steps.find((s) => s.id === 'measure-recovery')).to.include({status: 'failed'})
  })

  it('waits briefly for a "failover completed" event that RDS publishes late, and takes the RTO from the events', async () => {
    const {outcome} = await drill({downAt: 3.4, upAt: 65.1, completedEventLagSeconds: 12})
    expect(outcome).to.include({rtoSource: 'events', rtoSeconds: 61.7, rtoFromEventsSeconds: 61.7})
  })

  it('falls back to polling when there are no RDS events, within one poll interval of the truth', async () => {
    for (const [downAt, upAt] of [
      [3.4, 65.1],
      [0.2, 90.95],
      [7.7, 80.01],
    ]) {
      const {outcome} = await drill({downAt, upAt, events: false})
      expect(outcome).to.include({rtoSource: 'polling', verdict: 'met'})
      expect(outcome!.rtoFromEventsSeconds).to.equal(undefined)
      expect(outcome!.rtoSeconds).to.equal(outcome!.rtoFromPollingSeconds)
      expectWithinOnePoll(outcome!, Math.round((upAt - downAt) * 10) / 10)
    }
  })

  it('records an alarm that goes to ALARM during the failover and meets the objective once it is OK again', async () => {
    const {exitCode, outcome, transitions} = await drill({downAt: 3, upAt: 63, alarms: {'tenant-shard-001-cpu': [10, 90]}}, {alarms: ['tenant-shard-001-cpu']})
    expect(exitCode).to.equal(0)
    expect(transitions.filter((t) => t.subject === 'alarm tenant-shard-001-cpu').map((t) => t.to)).to.deep.equal(['ALARM'])
    expect(outcome).to.include({verdict: 'met'})
    expect(outcome!.alarms).to.deep.equal({'tenant-shard-001-cpu': 'OK'})
  })

  it('exits 4 when an alarm is not OK again within --alarm-timeout', async () => {
    const {exitCode, record, outcome} = await drill(
      {downAt: 3, upAt: 63, alarms: {'tenant-shard-001-cpu': [10, 10_000]}},
      {alarms: ['tenant-shard-001-cpu'], alarmTimeoutSeconds: 120},
    )
    expect(exitCode).to.equal(4)
    expect(outcome).to.include({verdict: 'missed'})
    expect(outcome!.alarms).to.deep.equal({'tenant-shard-001-cpu': 'ALARM'})
    expect(outcome!.reasons.join()).to.contain('alarm tenant-shard-001-cpu did not return to OK within --alarm-timeout')
    expect(record.objective?.met).to.equal(false)
  })

  it('exits 4 when the instance rebooted but the availability zone did not change', async () => {
    const {exitCode, record, outcome} = await drill({downAt: 3, upAt: 40, swapsAz: false})
    expect(exitCode).to.equal(4)
    expect(outcome).to.include({verdict: 'missed', changed: false})
    expect(outcome!.reasons.join()).to.contain('the availability zone did not change (us-east-1a before and after)')
    expect(record.objective?.missed.join()).to.contain('did not change')
  })

  it('refuses to start while a given alarm is in ALARM, before the failover (exit 2)', async () => {
    const {exitCode, record} = await drill({downAt: 3, upAt: 63, alarms: {'tenant-shard-001-cpu': [-Infinity, Infinity]}}, {alarms: ['tenant-shard-001-cpu']})
    expect(exitCode).to.equal(2)
    expect(record.error?.message).to.contain('alarm tenant-shard-001-cpu is ALARM')
    expect(rdsMock.commandCalls(RebootDBInstanceCommand)).to.have.length(0)
  })

  it('warns when the latest snapshot is older than 24 hours, and still drills', async () => {
    const {exitCode, warnings} = await drill({downAt: 3, upAt: 63, snapshotAgeHours: 50})
    expect(exitCode).to.equal(0)
    expect(warnings.join()).to.match(/No snapshot of tenant-shard-001 from the last 24 hours .*opsctl snapshot create tenant-shard-001/)
  })

  it('in a dry run runs the preflight checks and only plans the failover', async () => {
    const clock = new VirtualClock()
    scriptFailover(clock, {downAt: 3, upAt: 63})
    const options = resolveDrillOptions({
      dbInstance: 'tenant-shard-001',
      keep: false,
      alarms: [],
      targetRtoSeconds: 120,
      timeoutSeconds: 900,
      alarmTimeoutSeconds: 300,
    })
    const {record} = await runWorkflow({
      workflow: failoverDrillWorkflow(options),
      parameters: {...options},
      clock,
      dryRun: true,
      context: {...options, rds: new RDSClient({region: 'us-east-1'}), cloudwatch: new CloudWatchClient({region: 'us-east-1'})},
    })
    expect(record.status).to.equal('planned')
    expect(record.steps.map((s) => s.status)).to.deep.equal(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'planned', 'planned', 'planned'])
    expect(rdsMock.commandCalls(RebootDBInstanceCommand)).to.have.length(0)
  })
})

describe('failover drill flags (bad input, before any AWS call)', () => {
  const base = {keep: false, alarms: [], targetRtoSeconds: 120, timeoutSeconds: 900, alarmTimeoutSeconds: 300}
  const refusal = (input: Partial<Parameters<typeof resolveDrillOptions>[0]>) => {
    try {
      resolveDrillOptions({...base, ...input})
    } catch (error) {
      return error as {exitCode: number; message: string}
    }
    throw new Error('expected a refusal')
  }

  it('refuses a cluster id for an instance mode', () => {
    const error = refusal({cluster: 'tenants-eu', mode: 'multi-az'})
    expect(error.exitCode).to.equal(2)
    expect(error.message).to.contain('--cluster tenants-eu names an Aurora DB cluster, which only --mode cluster drills')
  })

  it('refuses cluster mode without --cluster, and both an instance and a cluster', () => {
    expect(refusal({dbInstance: 'tenant-shard-001', mode: 'cluster'}).message).to.contain('pass --cluster <id>')
    expect(refusal({dbInstance: 'tenant-shard-001', cluster: 'tenants-eu'}).message).to.contain('not both')
  })

  it('refuses flags of another mode and a replica that is the source itself', () => {
    expect(refusal({dbInstance: 'tenant-shard-001', replica: 'r1'}).message).to.contain('only apply to --mode replica-promotion')
    expect(refusal({dbInstance: 'tenant-shard-001', targetInstance: 'b'}).message).to.contain('only applies to --mode cluster')
    expect(refusal({dbInstance: 'tenant-shard-001', mode: 'replica-promotion', replica: 'tenant-shard-001'}).message).to.contain('the source instance itself')
  })

  it('chooses cluster mode for --cluster and multi-az for an instance', () => {
    expect(resolveDrillOptions({...base, cluster: 'tenants-eu'}).mode).to.equal('cluster')
    expect(resolveDrillOptions({...base, dbInstance: 'tenant-shard-001'}).mode).to.equal('multi-az')
  })
})
