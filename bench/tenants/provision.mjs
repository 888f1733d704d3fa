// npm run bench:tenants — starts its own moto_server and measures, for the tenant store:
//  1. AWS calls per provision (a tenant pinned to EU with Jira and Confluence) against the minimum the design needs;
//  2. the wall time of 100 provisions, one after another, and how it grows (the first 50 against the last 50);
//  3. listing the tenants of one shard among 10,000 placed on it: the calls are the pages of one GSI query, never a scan.
import {DynamoDBClient} from '@aws-sdk/client-dynamodb'
import {EventBridgeClient} from '@aws-sdk/client-eventbridge'
import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateDBInstanceCommand, RDSClient} from '@aws-sdk/client-rds'
import {BatchWriteCommand, DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb'

import {AwsSession} from '../../dist/lib/aws/session.js'
import {newRunId} from '../../dist/lib/engine/journal.js'
import {runWorkflow} from '../../dist/lib/engine/runner.js'
import {provisionWorkflow} from '../../dist/lib/tenants/provision.js'
import {DEFAULT_TENANT_TABLE, TenantStore} from '../../dist/lib/tenants/store.js'
import {tableInitWorkflow} from '../../dist/lib/tenants/table.js'
import {benchMoto} from '../moto.mjs'

const moto = await benchMoto('tenants')

const shards = [
  {id: 'jira-eu', product: 'jira', region: 'eu-central-1'},
  {id: 'confluence-eu', product: 'confluence', region: 'eu-west-1'},
]

async function arrange() {
  for (const shard of shards) {
    const {KeyMetadata} = await new KMSClient({region: shard.region}).send(new CreateKeyCommand({}))
    await new RDSClient({region: shard.region}).send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: shard.id,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'bench',
        MasterUserPassword: 'bench-password-1',
        StorageEncrypted: true,
        KmsKeyId: KeyMetadata.Arn,
        Tags: [
          {Key: 'opsctl:shard-product', Value: shard.product},
          {Key: 'opsctl:shard-capacity', Value: '100000'},
        ],
      }),
    )
  }
  const session = await AwsSession.open()
  const store = await TenantStore.open(session, {table: DEFAULT_TENANT_TABLE, region: 'us-east-1'})
  await runWorkflow({
    workflow: tableInitWorkflow({table: store.table}),
    context: {store, kms: session.client(KMSClient), pollIntervalMs: 100, timeoutMs: 60_000},
    parameters: {},
    journal: false,
  })
}

/** One provision: its AWS calls (each step's recorded calls) and how long it took. */
async function provision(n) {
  const runId = newRunId()
  const session = await AwsSession.open({runId})
  const store = await TenantStore.open(session, {table: DEFAULT_TENANT_TABLE, region: 'us-east-1'})
  const request = {
    tenantId: `tenant-${n}`,
    site: `site-${n}`,
    products: ['jira', 'confluence'],
    residency: 'EU',
    seats: {jira: 10, confluence: 10},
    apps: [],
    config: {},
    secrets: {},
    eventBus: 'default',
  }
  const started = performance.now()
  const cpu = process.cpuUsage()
  const {record, exitCode} = await runWorkflow({
    workflow: provisionWorkflow,
    context: {session, store, eventbridge: session.client(EventBridgeClient), request},
    parameters: request,
    runId,
    journal: false,
  })
  if (exitCode !== 0) throw new Error(`provision ${n} failed: ${record.error?.message}`)
  const used = process.cpuUsage(cpu)
  return {ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, calls: record.steps.flatMap((s) => s.calls)}
}

/**
 * What the design needs for a tenant pinned to a location of L regions with P products in R distinct regions (no
 * identity, configuration or secrets), each read and write counted once:
 *   checks: DescribeTable, the event bus (DescribeEventBus), the tenant, the site; per region of the location DescribeDBInstances, DescribeDBClusters, one BatchGetItem of fills
 *   steps 1, 2, 3, 5, 7: one write each (2, 3, 5, 7 read the context they change: +1)
 *   step 4: per region the site parameter and two per product there; + the context (read, write)
 *   step 6: per product its region's shards (3), one data key, the context (read, write)
 *   delivery: one query, one PutEvents per 10 events, one record per event (1 + P + 1 events)
 */
function minimumCalls({locationRegions: L, products: P, regions: R}) {
  const events = 1 + P
  return 4 + 3 * L + 1 + 2 * 4 + (R + 2 * P + 2) + P * 6 + 1 + Math.ceil(events / 10) + events
}

async function listByShard() {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}))
  const placements = Array.from({length: 10_000}, (_, i) => ({
    pk: `TENANT#bulk-${i}`,
    sk: 'PLACEMENT#jira',
    shardKey: 'SHARD#bulk-shard',
    tenantId: `bulk-${i}`,
    product: 'jira',
  }))
  for (let start = 0; start < placements.length; start += 25) {
    await doc.send(new BatchWriteCommand({RequestItems: {[DEFAULT_TENANT_TABLE]: placements.slice(start, start + 25).map((Item) => ({PutRequest: {Item}}))}}))
  }
  const store = await TenantStore.open(await AwsSession.open(), {table: DEFAULT_TENANT_TABLE, region: 'us-east-1'})
  const started = performance.now()
  const {tenantIds, pages} = await store.tenantsOnShard('bulk-shard')
  return {tenants: tenantIds.length, pages, ms: performance.now() - started}
}

try {
  await arrange()
  await provision('warm-up')
  const runs = []
  for (let n = 0; n < Number(process.env.BENCH_PROVISIONS ?? 100); n++) runs.push(await provision(n))
  const calls = runs[0].calls
  const counts = new Map()
  for (const c of calls) counts.set(`${c.service}.${c.operation}`, (counts.get(`${c.service}.${c.operation}`) ?? 0) + 1)
  const byOperation = [...counts]
  const minimum = minimumCalls({locationRegions: 2, products: 2, regions: 2})
  const total = runs.reduce((sum, r) => sum + r.ms, 0)
  const half = (rs, what = 'ms') => rs.reduce((sum, r) => sum + r[what], 0) / rs.length
  const middle = Math.floor(runs.length / 2)
  console.log(
    `AWS calls per provision (EU, Jira + Confluence): ${calls.length}; the design's minimum ${minimum}; ratio ${(calls.length / minimum).toFixed(2)} (target ≤ 1.10): ${calls.length / minimum <= 1.1 ? 'met' : 'MISSED'}`,
  )
  console.log(`  by operation: ${byOperation.map(([op, n]) => `${op} ${n}`).join(', ')}`)
  const growth = (what) => (half(runs.slice(middle), what) / half(runs.slice(0, middle), what)).toFixed(2)
  console.log(
    `${runs.length} provisions against moto: ${(total / 1000).toFixed(1)} s, ${(total / runs.length).toFixed(0)} ms each; the second half took ${growth('ms')}× the wall time of the first half`,
  )
  console.log(
    `  opsctl's own CPU: ${half(runs, 'cpuMs').toFixed(0)} ms a provision, the second half ${growth('cpuMs')}× the first (≈ 1: opsctl's work does not grow with the tenants; the rest of the wall time is moto's)`,
  )
  const listed = await listByShard()
  console.log(
    `tenant list --shard over 10,000 tenants on one shard: ${listed.tenants} tenants in ${listed.pages} page(s) of one GSI query (calls = pages), ${listed.ms.toFixed(0)} ms`,
  )
} finally {
  moto.stop()
}
