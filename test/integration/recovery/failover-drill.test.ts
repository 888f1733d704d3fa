import {CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand} from '@aws-sdk/client-cloudwatch'
import {CreateDBInstanceReadReplicaCommand, DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {tagValue} from '../../../src/lib/aws/rds.js'
import {RUN_ID_TAG} from '../../../src/lib/aws/tags.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import {type DrillInput, failoverDrillContext, resolveDrillOptions} from '../../../src/lib/recovery/failover/context.js'
import {type FailoverDrillOutcome, failoverDrillWorkflow} from '../../../src/lib/recovery/failover/drill.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {createAuroraCluster, createDbInstance} from '../../support/rds.js'

const defaults: DrillInput = {keep: false, alarms: [], targetRtoSeconds: 120, timeoutSeconds: 900, alarmTimeoutSeconds: 300}

/**
 * moto's PromoteReadReplica leaves ReadReplicaSourceDBInstanceIdentifier set, so a promoted instance
 * never looks writable there. This shim drops the field for promoted instances, as RDS does.
 */
function detachPromotedReplicas(rds: RDSClient): void {
  const promoted = new Set<string>()
  rds.middlewareStack.add(
    (next: any, context: any) => async (args: any) => {
      const result: any = await next(args)
      if (context.commandName === 'PromoteReadReplicaCommand') promoted.add(args.input.DBInstanceIdentifier)
      if (context.commandName === 'DescribeDBInstancesCommand') {
        for (const instance of result.output.DBInstances ?? [])
          if (promoted.has(instance.DBInstanceIdentifier)) delete instance.ReadReplicaSourceDBInstanceIdentifier
      }
      return result
    },
    {step: 'initialize', name: 'motoPromotionGap'},
  )
}

async function drill(input: Partial<DrillInput>, options: {clock?: VirtualClock; promotionsDetach?: boolean} = {}) {
  const drillOptions = resolveDrillOptions({...defaults, ...input})
  const context = failoverDrillContext(await testSession(), drillOptions)
  if (options.promotionsDetach) detachPromotedReplicas(context.rds)
  const run = await runWorkflow({workflow: failoverDrillWorkflow(drillOptions), context, parameters: {...drillOptions}, clock: options.clock})
  const failover = run.record.steps.find((s) => ['force-failover', 'fail-over-cluster', 'promote-replica'].includes(s.id))
  return {...run, outcome: run.record.outcome as FailoverDrillOutcome | undefined, failoverStatus: failover?.status}
}

const rds = () => new RDSClient({})
const instances = async () => (await rds().send(new DescribeDBInstancesCommand({}))).DBInstances ?? []

async function createAlarm(name: string, state: 'OK' | 'ALARM'): Promise<void> {
  const cloudwatch = new CloudWatchClient({})
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/RDS',
      MetricName: 'CPUUtilization',
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 60,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  )
  await cloudwatch.send(new SetAlarmStateCommand({AlarmName: name, StateValue: state, StateReason: 'test'}))
}

describe('failover drill against moto', () => {
  describe('preflight refusals (exit 2, nothing changed)', () => {
    it('refuses an instance that is not Multi-AZ and says how to enable it', async () => {
      await createDbInstance('tenant-shard-001')
      const {exitCode, record, failoverStatus} = await drill({dbInstance: 'tenant-shard-001'})
      expect(exitCode).to.equal(2)
      expect(record.error?.code).to.equal('NotMultiAz')
      expect(record.error?.message).to.contain('aws rds modify-db-instance --db-instance-identifier tenant-shard-001 --multi-az --apply-immediately')
      expect(failoverStatus).to.equal('pending')
    })

    it('refuses a cluster id given for an instance mode, and a cluster member', async () => {
      await createAuroraCluster('tenants-eu', ['tenants-eu-a', 'tenants-eu-b'])
      const byClusterId = await drill({dbInstance: 'tenants-eu'})
      expect(byClusterId.exitCode).to.equal(2)
      expect(byClusterId.record.error?.message).to.equal(
        'tenants-eu is an Aurora DB cluster, not a DB instance; drill it with --cluster tenants-eu --mode cluster.',
      )
      const byMember = await drill({dbInstance: 'tenants-eu-a', mode: 'replica-promotion'})
      expect(byMember.exitCode).to.equal(2)
      expect(byMember.record.error?.message).to.contain('is a member of Aurora DB cluster tenants-eu')
    })

    it('refuses a Multi-AZ drill against the emulator up front, since it cannot fail an instance over, and changes nothing', async () => {
      await createDbInstance('tenant-shard-001', {MultiAZ: true})
      const {exitCode, record, failoverStatus} = await drill({dbInstance: 'tenant-shard-001'})
      expect(exitCode).to.equal(2)
      expect(record.error).to.deep.equal({
        code: 'EmulatorCannotFailOver',
        message: `The endpoint ${process.env.AWS_ENDPOINT_URL} (AWS_ENDPOINT_URL) is an emulator, which cannot fail a DB instance over (a reboot with ForceFailover leaves it where it was), so this drill could only wait until --timeout; drill an Aurora cluster there (--cluster <id>), or unset AWS_ENDPOINT_URL to drill tenant-shard-001 on AWS.`,
      })
      expect(record.steps.find((s) => s.id === 'check-multi-az')?.status).to.equal('failed')
      expect(failoverStatus).to.equal('pending')
      expect(record.steps.flatMap((s) => s.calls).map((c) => c.operation)).not.to.include('RebootDBInstance')
    })

    // The alarm checks come in every mode; replica promotion reaches them on moto.
    it('refuses an unknown alarm, naming it', async () => {
      await createDbInstance('tenant-shard-001')
      await createAlarm('tenant-shard-001-cpu', 'OK')
      const {exitCode, record, failoverStatus} = await drill({
        dbInstance: 'tenant-shard-001',
        mode: 'replica-promotion',
        alarms: ['tenant-shard-001-cpu', 'no-such-alarm'],
      })
      expect(exitCode).to.equal(2)
      expect(record.error?.message).to.contain('No CloudWatch alarm named no-such-alarm in us-east-1')
      expect(failoverStatus).to.equal('pending')
    })

    it('refuses to start while an alarm is in ALARM', async () => {
      await createDbInstance('tenant-shard-001')
      await createAlarm('tenant-shard-001-cpu', 'ALARM')
      const {exitCode, record} = await drill({dbInstance: 'tenant-shard-001', mode: 'replica-promotion', alarms: ['tenant-shard-001-cpu']})
      expect(exitCode).to.equal(2)
      expect(record.error?.code).to.equal('AlarmNotOk')
    })

    it('refuses a replica of another source', async () => {
      await createDbInstance('tenant-shard-001')
      await createDbInstance('tenant-shard-002')
      await rds().send(new CreateDBInstanceReadReplicaCommand({DBInstanceIdentifier: 'tenant-shard-002-ro', SourceDBInstanceIdentifier: 'tenant-shard-002'}))
      const {exitCode, record, failoverStatus} = await drill({dbInstance: 'tenant-shard-001', mode: 'replica-promotion', replica: 'tenant-shard-002-ro'})
      expect(exitCode).to.equal(2)
      expect(record.error?.message).to.contain('DB instance tenant-shard-002-ro is a read replica of tenant-shard-002, not of tenant-shard-001')
      expect(failoverStatus).to.equal('pending')
    })

    it('refuses a cluster without a reader to fail over to, and a --target-instance that is not its reader', async () => {
      await createAuroraCluster('tenants-eu', ['tenants-eu-a'])
      expect((await drill({cluster: 'tenants-eu'})).record.error?.code).to.equal('NoReader')
      await createAuroraCluster('tenants-us', ['tenants-us-a', 'tenants-us-b'])
      const wrongTarget = await drill({cluster: 'tenants-us', targetInstance: 'tenants-us-a'})
      expect(wrongTarget.exitCode).to.equal(2)
      expect(wrongTarget.record.error?.message).to.contain(
        '--target-instance tenants-us-a is not a reader of DB cluster tenants-us; choose one of tenants-us-b',
      )
    })
  })

  it('fails an Aurora cluster over to a new writer and measures it by polling', async () => {
    await createAuroraCluster('tenants-eu', ['tenants-eu-a', 'tenants-eu-b', 'tenants-eu-c'])
    const {exitCode, outcome, record} = await drill({cluster: 'tenants-eu', targetInstance: 'tenants-eu-c'})
    expect(exitCode, record.error?.message).to.equal(0)
    expect(outcome).to.include({mode: 'cluster', positionKind: 'writer', changed: true, rtoSource: 'polling', verdict: 'met'})
    expect(outcome!.before.position).to.equal('tenants-eu-a')
    expect(outcome!.after).to.deep.include({status: 'available', position: 'tenants-eu-c'})
    expect(record.metrics.rtoSeconds).to.be.a('number')
  })

  it('creates a read replica, promotes it until it is writable, and deletes it', async () => {
    await createDbInstance('tenant-shard-001')
    const {exitCode, outcome, record} = await drill({dbInstance: 'tenant-shard-001', mode: 'replica-promotion'}, {promotionsDetach: true})
    expect(exitCode, record.error?.message).to.equal(0)
    const replicaId = `tenant-shard-001-drill-${record.runId.slice(-6)}`
    expect(outcome).to.include({mode: 'replica-promotion', replicaId, replicaDeleted: true, changed: true, verdict: 'met'})
    expect(outcome!.before.position).to.equal('read replica of tenant-shard-001')
    expect(outcome!.after.position).to.equal('standalone (writable)')
    expect(record.steps.find((s) => s.id === 'create-replica')?.outputs).to.deep.equal({replicaId, created: true})
    expect((await instances()).map((i) => i.DBInstanceIdentifier)).to.deep.equal(['tenant-shard-001'])
  })

  it('promotes a given replica of the instance and keeps it with --keep', async () => {
    await createDbInstance('tenant-shard-001')
    await rds().send(new CreateDBInstanceReadReplicaCommand({DBInstanceIdentifier: 'tenant-shard-001-ro', SourceDBInstanceIdentifier: 'tenant-shard-001'}))
    const {exitCode, outcome, record} = await drill(
      {dbInstance: 'tenant-shard-001', mode: 'replica-promotion', replica: 'tenant-shard-001-ro', keep: true},
      {promotionsDetach: true},
    )
    expect(exitCode, record.error?.message).to.equal(0)
    expect(outcome).to.include({replicaId: 'tenant-shard-001-ro', replicaDeleted: false, verdict: 'met'})
    expect(record.steps.map((s) => s.id)).not.to.include.members(['create-replica', 'delete-replica'])
    expect((await instances()).map((i) => i.DBInstanceIdentifier)).to.have.members(['tenant-shard-001', 'tenant-shard-001-ro'])
  })

  it('deletes the replica it created when the promotion does not complete within --timeout (exit 1)', async () => {
    await createDbInstance('tenant-shard-001')
    // Without the shim moto never shows the promoted instance as writable: the measurement times out.
    const {exitCode, record} = await drill(
      {dbInstance: 'tenant-shard-001', mode: 'replica-promotion', timeoutSeconds: 30},
      {clock: new VirtualClock(Date.now())},
    )
    expect(exitCode).to.equal(1)
    expect(record.error?.code).to.equal('StepTimeout')
    const created = record.steps.find((s) => s.id === 'create-replica')
    expect(created).to.deep.include({status: 'undone', undo: {status: 'succeeded'}})
    const left = await instances()
    expect(left.map((i) => i.DBInstanceIdentifier)).to.deep.equal(['tenant-shard-001'])
    expect(left.some((i) => tagValue(i.TagList, RUN_ID_TAG) === record.runId)).to.equal(false)
  })
})
