import {CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeInstancesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand} from '@aws-sdk/client-ec2'
import {CreateTopicCommand, SNSClient} from '@aws-sdk/client-sns'
import {expect} from 'chai'

import {newRunId} from '../../../src/lib/engine/journal.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {RunRecord} from '../../../src/lib/engine/types.js'
import {parseMaxErrors, parseWaveSize} from '../../../src/lib/patch/plan.js'
import {PatchProcedure} from '../../../src/lib/patch/procedure.js'
import {type PatchRunOutcome, patchRunResults, patchRunWorkflow} from '../../../src/lib/patch/run.js'
import {parseTargets} from '../../../src/lib/patch/targets.js'
import {parseVersion} from '../../../src/lib/patch/version.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {PatchFleet} from '../../support/patch-fleet.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {openTestStore} from '../../support/tenants.js'

/*
 * `patch run` on the local engine: EC2 instances, volumes, snapshots and tags in moto; the SSM agent's side (managed
 * instances, invocations going InProgress then Success or Failed) by an SDK mock (see PatchFleet).
 */

const WAVE_STEPS = ['stopPostgreSQL', 'upgradePostgreSQL', 'startPostgreSQL', 'verifyVersion']

interface PatchOptions {
  canary?: number
  wave?: string
  maxErrors?: string
  healthAlarms?: readonly string[]
  notifyTopic?: string
  resume?: RunRecord
  interrupt?: AbortSignal
  dryRun?: boolean
}

async function patch(options: PatchOptions = {}) {
  const runId = options.resume?.runId ?? newRunId()
  const session = await testSession(runId)
  return runWorkflow({
    workflow: patchRunWorkflow,
    context: {
      spec: parseTargets({targets: ['tag:Role=postgres']}),
      package: 'postgresql',
      minVersion: parseVersion('15.8'),
      compliance: false,
      severity: 'HIGH',
      session,
      store: await openTestStore(),
      procedure: await PatchProcedure.load(),
      run: {
        engine: 'local',
        canary: options.canary ?? 1,
        wave: parseWaveSize(options.wave ?? '1'),
        maxErrors: parseMaxErrors(options.maxErrors ?? '0'),
        healthAlarms: [...(options.healthAlarms ?? [])],
        request: {
          package: 'postgresql',
          minVersion: '15.8',
          device: '/dev/sdf',
          notifyTopic: options.notifyTopic,
          rate: {maxConcurrency: '100%', maxErrors: '100%'},
          pollIntervalMs: 1000,
        },
      },
    },
    parameters: {
      targets: ['tag:Role=postgres'],
      minVersion: '15.8',
      package: 'postgresql',
      canary: options.canary ?? 1,
      wave: options.wave ?? '1',
      maxErrors: options.maxErrors ?? '0',
      healthAlarms: [...(options.healthAlarms ?? [])],
      notifyTopic: options.notifyTopic,
      device: '/dev/sdf',
      engine: 'local',
    },
    runId,
    resume: options.resume,
    interrupt: options.interrupt,
    dryRun: options.dryRun,
    clock: new VirtualClock(Date.now()),
  })
}

const resultsOf = (record: RunRecord, fleet: PatchFleet) => {
  const nameOf = new Map([...fleet.names].map(([name, id]) => [id, name]))
  return Object.fromEntries(patchRunResults(record)!.instances.map((i) => [nameOf.get(i.instanceId), `${i.result}${i.toVersion ? ` ${i.toVersion}` : ''}`]))
}

describe('patch run on the local engine (EC2 in moto, the SSM agent by SDK mock)', function () {
  this.timeout(120_000)
  let fleet: PatchFleet

  beforeEach(async () => {
    fleet = new PatchFleet()
    await fleet.launch([
      {name: 'pg-a1', cluster: 'a', version: '15.6'},
      {name: 'pg-a2', cluster: 'a', version: '15.6'},
      {name: 'pg-b', version: '14.11'},
      {name: 'pg-c', version: '15.8'},
    ])
  })
  afterEach(() => fleet.restore())

  it('plans a canary then waves, never two servers of a cluster together, and leaves an instance at the version alone', async () => {
    const {record} = await patch({dryRun: true, canary: 1, wave: '2'})
    expect(record.status).to.equal('planned')
    const plan = record.steps.find((s) => s.id === 'plan-waves')!.outputs as {
      waves: {canary: boolean; instanceIds: string[]}[]
      notNeeded: {instanceId: string}[]
    }
    const named = plan.waves.map((w) => w.instanceIds.map((id) => [...fleet.names].find(([, i]) => i === id)![0]).sort())
    expect(plan.waves[0].canary).to.equal(true)
    expect(named.flat().sort()).to.deep.equal(['pg-a1', 'pg-a2', 'pg-b'])
    for (const wave of named) expect(wave.filter((n) => n.startsWith('pg-a')).length, wave.join()).to.be.at.most(1)
    expect(plan.notNeeded.map((i) => i.instanceId)).to.deep.equal([fleet.idOf('pg-c')])
    // Only the read-only version command was sent.
    expect(fleet.stepsSent()).to.deep.equal(['readVersion pg-a1,pg-a2,pg-b,pg-c'])
  })

  it('patches wave after wave with one SendCommand per wave and step, snapshots tagged, each instance COMPLIANT', async () => {
    const {record, exitCode} = await patch({canary: 1, wave: '2'})
    expect(exitCode, record.error?.message).to.equal(0)
    expectMatchesSchema({status: 0, result: JSON.parse(JSON.stringify(record)), warnings: []}, 'patch-run')
    expect(resultsOf(record, fleet)).to.deep.equal({'pg-a1': 'patched 15.10', 'pg-a2': 'patched 15.10', 'pg-b': 'patched 15.10', 'pg-c': 'not-needed'})
    const waves = (record.outcome as unknown as PatchRunOutcome).plan.waves.length
    const waveCommands = fleet.sent.filter((c) => WAVE_STEPS.includes(c.step))
    expect(waveCommands).to.have.length(waves * WAVE_STEPS.length)
    for (const command of waveCommands) expect(command.input.Targets?.[0]?.Key).to.equal('tag:opsctl:patch-wave')
    const {Snapshots = []} = await fleet.ec2.send(new DescribeSnapshotsCommand({Filters: [{Name: 'tag:opsctl:run-id', Values: [record.runId]}]}))
    expect(Snapshots).to.have.length(3)
    expect(fleet.compliance.map((c) => `${c.ComplianceType} ${c.Items![0].Status}`)).to.deep.equal(Array(3).fill('Custom:opsctl-postgresql COMPLIANT'))
    // Nothing was restored, and the wave tags are gone: nothing is left addressed by a finished run.
    const {Volumes = []} = await fleet.ec2.send(new DescribeVolumesCommand({Filters: [{Name: 'tag-key', Values: ['opsctl:restored-from']}]}))
    expect(Volumes).to.deep.equal([])
    const {Reservations = []} = await fleet.ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'tag-key', Values: ['opsctl:patch-wave']}]}))
    expect(Reservations).to.deep.equal([])
  })

  it('rolls the canary back from its snapshot when its upgrade fails, and touches no other instance', async () => {
    // The canary is the first instance upgraded, whichever the plan chose.
    const canaryOf = fleet.failFirst('upgradePostgreSQL', {status: 'Failed', output: 'dnf: no space left'})
    const volumes = new Map(await Promise.all([...fleet.names.values()].map(async (id) => [id, await fleet.dataVolumeOf(id)] as const)))
    const {record, exitCode} = await patch({canary: 1, wave: '2'})
    expect(exitCode).to.equal(1)
    const canary = canaryOf()
    expect(record.error?.message).to.match(
      /^The patch stopped: the canary i-\w+ failed \(upgradePostgreSQL Failed: dnf: no space left; rolled back to snapshot snap-\w+\); 1 remaining wave\(s\) not started/,
    )
    const canaryName = [...fleet.names].find(([, id]) => id === canary)![0]
    expect(Object.entries(resultsOf(record, fleet)).map(([name, result]) => `${name === canaryName ? 'canary' : name} ${result}`)).to.have.members([
      'canary rolled-back',
      'pg-c not-needed',
      ...['pg-a1', 'pg-a2', 'pg-b'].filter((n) => n !== canaryName).map((n) => `${n} skipped`),
    ])
    const before = volumes.get(canary!)!
    const after = await fleet.dataVolumeOf(canary!)
    expect(after.VolumeId).to.not.equal(before.VolumeId)
    expect(after.SnapshotId).to.match(/^snap-/)
    expect(after.AvailabilityZone).to.equal(before.AvailabilityZone)
    const {Volumes = []} = await fleet.ec2.send(new DescribeVolumesCommand({VolumeIds: [before.VolumeId!]}))
    const [replaced] = Volumes
    expect(replaced.State).to.equal('available')
    expect(replaced.Tags?.find((t) => t.Key === 'opsctl:replaced-by-rollback')?.Value).to.equal(record.runId)
    const others = fleet.stepsSent().filter((s) => !s.startsWith('readVersion') && !s.endsWith(` ${canaryName}`))
    expect(others).to.deep.equal([])
    expect(fleet.compliance.map((c) => c.Items![0].Status)).to.deep.equal(['NON_COMPLIANT'])
  })

  it('calls off the remaining waves once more instances failed than --max-errors', async () => {
    // The canary (the first instance started) passes; every later one times out starting.
    fleet.failAllButFirst('startPostgreSQL', {status: 'TimedOut', output: ''})
    const {record, exitCode} = await patch({canary: 1, wave: '1', maxErrors: '0'})
    expect(exitCode).to.equal(1)
    expect(record.error?.message).to.match(/more than --max-errors 0/)
    const results = resultsOf(record, fleet)
    expect(Object.values(results).filter((r) => r === 'rolled-back')).to.have.length(1)
    expect(Object.values(results).filter((r) => r === 'skipped')).to.have.length(1)
  })

  it('interrupted in the middle of a wave rolls the instance in progress back, and --resume patches it and goes on', async () => {
    const interrupt = new AbortController()
    fleet.onList = (command) => {
      if (command.step === 'startPostgreSQL' && command.instanceIds.includes(fleet.idOf('pg-b'))) interrupt.abort()
    }
    const first = await patch({canary: 1, wave: '1', interrupt: interrupt.signal})
    expect(first.record.status).to.equal('interrupted')
    // The step in flight was cancelled on the instances before the rollback began.
    expect(fleet.cancelled).to.deep.equal(['startPostgreSQL'])
    const progress = patchRunResults(first.record)!.instances.filter((i) => i.result === 'rolled-back')
    expect(progress.map((i) => i.reason)).to.deep.equal([`interrupted after its snapshot; rolled back to snapshot ${progress[0]?.snapshotId}`])
    fleet.onList = () => {}
    const patchedBefore = fleet.sent.filter((c) => c.step === 'upgradePostgreSQL').flatMap((c) => c.instanceIds)
    const resumed = await patch({canary: 1, wave: '1', resume: first.record})
    expect(resumed.exitCode, resumed.record.error?.message).to.equal(0)
    expect(resultsOf(resumed.record, fleet)).to.deep.equal({'pg-a1': 'patched 15.10', 'pg-a2': 'patched 15.10', 'pg-b': 'patched 15.10', 'pg-c': 'not-needed'})
    // No instance finished before the interrupt was patched again.
    const upgradedAfter = fleet.sent
      .filter((c) => c.step === 'upgradePostgreSQL')
      .flatMap((c) => c.instanceIds)
      .slice(patchedBefore.length)
    expect(upgradedAfter.filter((id) => patchedBefore.includes(id) && id !== progress[0].instanceId)).to.deep.equal([])
  })

  it('stops after the wave whose health gate fails (an alarm not OK), and tells the topic', async () => {
    const cloudwatch = new CloudWatchClient({})
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'pg-cpu',
        MetricName: 'CPUUtilization',
        Namespace: 'AWS/EC2',
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 60,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    )
    await cloudwatch.send(new SetAlarmStateCommand({AlarmName: 'pg-cpu', StateValue: 'OK', StateReason: 'test'}))
    const sns = new SNSClient({})
    const {TopicArn} = await sns.send(new CreateTopicCommand({Name: 'dba'}))
    // The canary's upgrade heats the database up.
    fleet.onList = (command) => {
      if (command.step === 'verifyVersion') void cloudwatch.send(new SetAlarmStateCommand({AlarmName: 'pg-cpu', StateValue: 'ALARM', StateReason: 'cpu 93%'}))
    }
    const {record, exitCode} = await patch({canary: 1, wave: '2', healthAlarms: ['pg-cpu'], notifyTopic: TopicArn})
    expect(exitCode).to.equal(1)
    expect(record.error?.message).to.match(
      /^The patch stopped: the health gate after the canary wave failed: alarm pg-cpu is ALARM; 1 remaining wave\(s\) not started/,
    )
    expect(Object.values(resultsOf(record, fleet)).sort()).to.deep.equal(['not-needed', 'patched 15.10', 'skipped', 'skipped'])
    expect(record.steps.find((s) => s.id === 'patch-waves')!.calls.filter((c) => c.operation === 'Publish')).to.have.length(1)
  })

  for (const [what, options, message] of [
    ['an unknown health alarm', {healthAlarms: ['no-such-alarm']}, /^No CloudWatch alarm named no-such-alarm in us-east-1/],
    ['an unknown topic', {notifyTopic: 'arn:aws:sns:us-east-1:123456789012:nobody'}, /^No SNS topic arn:aws:sns:us-east-1:123456789012:nobody/],
  ] as const) {
    it(`refuses ${what} with exit 2 before any instance is touched`, async () => {
      const {record, exitCode} = await patch(options)
      expect(exitCode).to.equal(2)
      expect(record.error?.message).to.match(message)
      expect(fleet.stepsSent()).to.deep.equal(['readVersion pg-a1,pg-a2,pg-b,pg-c'])
    })
  }
})
