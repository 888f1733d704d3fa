import {DescribeDBClustersCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {resetMoto} from '../../../../src/lib/sandbox/moto-server.js'
import {seedDemoEstate} from '../../../../src/lib/sandbox/seed/index.js'
import {testSession} from '../../../support/aws.js'
import {type CliResult, opsctl, parseJson} from '../../../support/cli.js'
import {defaultFaultRates} from '../../../support/fault-proxy.js'
import {faultProxyInFrontOfMoto} from '../../../support/fault-suite.js'
import {testEnv} from '../../../support/hooks.js'
import {createAuroraCluster, createDbInstance} from '../../../support/rds.js'
import {createShard, initTenantStore, tenantEstate, tenantEventQueue} from '../../../support/tenants.js'

/** Trials per workflow: a few in CI, more for the figures in the README (FAULT_TRIALS=12 npm run test:e2e). */
const trials = Number(process.env.FAULT_TRIALS ?? 2)

const rds = () => new RDSClient({})
const instanceIds = async () => ((await rds().send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier!).sort()
const manualSnapshotIds = async () =>
  ((await rds().send(new DescribeDBSnapshotsCommand({SnapshotType: 'manual'}))).DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier!).sort()
const writerOf = async (cluster: string) =>
  (await rds().send(new DescribeDBClustersCommand({DBClusterIdentifier: cluster}))).DBClusters?.[0].DBClusterMembers?.find((m) => m.IsClusterWriter)
    ?.DBInstanceIdentifier

interface Case {
  name: string
  /** Makes the estate the command works on, straight against moto (no faults). */
  arrange(): Promise<void>
  args: string[]
  exitCode: number
  /** What must be the same with and without faults: the outcome without run ids and times, and what exists afterwards. */
  observe(result: CliResult): Promise<unknown>
  /** Runs under faults, when not `trials` (a workflow of many calls, whose retries take long). */
  trials?: number
}

/** The outcome without what differs from run to run whatever the faults: times, durations and restore points. */
const outcome = (result: CliResult): Record<string, any> =>
  Object.fromEntries(Object.entries(parseJson(result).result.outcome as Record<string, unknown>).filter(([key]) => !/(At|Time|Seconds|Point)$/.test(key)))
const shard = () => createDbInstance('tenant-shard-001', {StorageEncrypted: true})

const cases: Case[] = [
  {
    name: 'snapshot create',
    arrange: shard,
    args: ['snapshot', 'create', 'tenant-shard-001', '--snapshot-id', 'before-change', '--poll-interval', '1', '--json'],
    exitCode: 0,
    observe: async (result) => ({outcome: outcome(result), snapshots: await manualSnapshotIds()}),
  },
  {
    name: 'snapshot restore',
    async arrange() {
      await shard()
      await opsctl(['snapshot', 'create', 'tenant-shard-001', '--snapshot-id', 'baseline'])
    },
    args: ['snapshot', 'restore', 'tenant-shard-001', '--snapshot', 'baseline', '--target', 'restored', '--poll-interval', '1', '--json'],
    exitCode: 0,
    observe: async (result) => ({outcome: outcome(result), instances: await instanceIds()}),
  },
  {
    name: 'backup test',
    arrange: shard,
    args: ['backup', 'test', 'tenant-shard-001', '--poll-interval', '1', '--json'],
    exitCode: 0,
    async observe(result) {
      // The automated snapshot and the temporary instance are named after the time and the run.
      const {temporaryInstanceId: _id, snapshotId, checks, ...rest} = outcome(result)
      return {
        outcome: rest,
        automatedSnapshot: snapshotId.startsWith('rds:tenant-shard-001-'),
        checks: checks.map((c: {check: string; passed: boolean}) => `${c.check}:${c.passed}`),
        instances: await instanceIds(),
      }
    },
  },
  {
    name: 'cluster failover drill',
    arrange: () => createAuroraCluster('tenants-eu', ['tenants-eu-a', 'tenants-eu-b']),
    args: ['failover', 'drill', '--cluster', 'tenants-eu', '--yes', '--target-rto', '600', '--json'],
    exitCode: 0,
    async observe(result) {
      const {mode, before, after, changed, verdict} = outcome(result)
      return {mode, before: before.position, after: after.position, changed, verdict, writer: await writerOf('tenants-eu'), instances: await instanceIds()}
    },
  },
  {
    name: 'compliance check',
    async arrange() {
      await seedDemoEstate(await testSession())
    },
    args: ['compliance', 'check', '--regions', 'us-east-1', '--services', 'rds,ec2,kms,secretsmanager,cloudwatch,cloudtrail,ebs,s3', '--json'],
    exitCode: 3,
    async observe(result) {
      // Resource ids (KMS keys, EBS volumes) are new after every reset of moto: compare verdicts per check.
      const {checks, totals, verdict} = parseJson(result).result
      return {
        verdict,
        totals,
        checks: checks.map((c: {id: string; pass: number; fail: number; muted: number; error: number}) => `${c.id} ${c.pass}/${c.fail}/${c.muted}/${c.error}`),
      }
    },
  },
  {
    name: 'local runbook (opsctl-MultiAzFailoverTest)',
    arrange: () => createDbInstance('tenant-shard-001', {MultiAZ: true}),
    args: ['runbook', 'run', 'runbooks/opsctl-MultiAzFailoverTest.yaml', '-p', 'DBInstanceIdentifier=tenant-shard-001', '--json'],
    exitCode: 0,
    async observe(result) {
      const record = parseJson(result).result
      return {status: record.status, steps: record.steps.map((s: {id: string; status: string}) => `${s.id}:${s.status}`), instances: await instanceIds()}
    },
  },
  {
    name: 'tenant provision',
    async arrange() {
      await initTenantStore()
      await createShard('jira-eu-1', 'jira', 'eu-central-1', 10)
      await createShard('confluence-eu-1', 'confluence', 'eu-west-1', 10)
      tenantEvents = await tenantEventQueue()
    },
    args: ['tenant', 'provision', 'acme', '--site', 'acme', '--products', 'jira,confluence', '--residency', 'EU', '--seats', 'jira=50', '--json'],
    exitCode: 0,
    trials: 1,
    // Every item, parameter and data key once, every event delivered once (EventBridge ids aside).
    async observe(result) {
      const {placements, regions, configKeys, eventsDelivered} = outcome(result)
      const events = (await tenantEvents!.drain()).map((e) => `${e['detail-type']} ${e.detail.product ?? ''} v${e.detail.contextVersion}`).sort()
      return {
        regions,
        configKeys,
        eventsDelivered,
        shards: placements.map((p: {shardId: string}) => p.shardId),
        estate: await tenantEstate(['eu-central-1', 'eu-west-1']),
        events,
      }
    },
  },
]

/** The tenant events a provision sends, read back through a rule to an SQS queue made for each run. */
let tenantEvents: Awaited<ReturnType<typeof tenantEventQueue>> | undefined

/**
 * Every workflow through a fault-injecting proxy in front of moto, with the default retries: 25 % throttling
 * in each protocol's own format, 5 % HTTP 500/503, 3 % connections reset before the request and 2 % after it
 * was applied. Every run completes, with the same result as without faults, and leaves nothing behind.
 */
describe('workflows under transient AWS faults (e2e through a fault proxy)', function () {
  this.timeout(0)
  const proxied = faultProxyInFrontOfMoto({seed: 20261201})

  for (const c of cases) {
    it(`${c.name}: ${c.trials ?? trials} run(s) under faults complete with the result of the run without faults`, async () => {
      const run = async (faults: boolean) => {
        await resetMoto(testEnv.endpoint)
        await c.arrange()
        proxied.proxy.setRates(faults ? defaultFaultRates : {})
        const result = await opsctl(c.args, {env: proxied.env})
        proxied.proxy.setRates({})
        expect(result.code, `${faults ? 'with' : 'without'} faults:\n${result.stdout.slice(0, 2000)}\n${result.stderr}`).to.equal(c.exitCode)
        return c.observe(result)
      }
      const expected = await run(false)
      proxied.proxy.clear()
      for (let trial = 1; trial <= (c.trials ?? trials); trial++) expect(await run(true), `trial ${trial}`).to.deep.equal(expected)
      const {faults} = proxied.proxy.stats()
      expect(faults.throttle + faults['server-error'] + faults['reset-before'] + faults['reset-after'], 'faults injected').to.be.greaterThan(0)
    })
  }
})
