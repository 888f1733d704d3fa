// npm run bench:keys — starts its own moto_server and measures the rotation of tenants' data keys by usage limits:
// N current data keys past their age, rotated by one `key datakeys rotate --all` run, for N in BENCH_DATAKEYS
// (comma-separated; default 1,000 and 10,000, each in a fresh moto, so the curve shows). Reports the wall time and
// the time a key, opsctl's own CPU time and the AWS calls per key, by operation: KMS calls must equal the keys rotated
// (one GenerateDataKeyWithoutPlaintext each); the store is read in pages (Scan) and re-read 100 keys a call
// (BatchGetItem); the old keys' decrypt-only copies carry no condition and are written 25 a call (BatchWriteItem);
// the new current keys each need their own condition (the version read), so they are one PutItem each — DynamoDB
// batches no conditional write but in a transaction, and a transaction of many keys fails whole when one key meets
// a service's counter update.
import {randomBytes} from 'node:crypto'
import {DynamoDBClient} from '@aws-sdk/client-dynamodb'
import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {BatchWriteCommand, DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb'

import {AwsSession} from '../../dist/lib/aws/session.js'
import {newRunId} from '../../dist/lib/engine/journal.js'
import {runWorkflow} from '../../dist/lib/engine/runner.js'
import {dataKeyRotateWorkflow} from '../../dist/lib/keys/datakeys-rotate.js'
import {resetMoto} from '../../dist/lib/sandbox/moto-server.js'
import {firstDataKey} from '../../dist/lib/tenants/data-keys.js'
import {DEFAULT_TENANT_TABLE, TenantStore} from '../../dist/lib/tenants/store.js'
import {tableInitWorkflow} from '../../dist/lib/tenants/table.js'
import {benchMoto} from '../moto.mjs'

const SIZES = (process.env.BENCH_DATAKEYS ?? '1000,10000').split(',').map(Number)
const moto = await benchMoto('keys')

/** The tenant store, a KMS key, and `KEYS` current data keys two days old (their wrapped blobs stand-ins: a rotation never unwraps them). */
async function arrange(KEYS) {
  const session = await AwsSession.open()
  const store = await TenantStore.open(session, {table: DEFAULT_TENANT_TABLE, region: 'us-east-1'})
  await runWorkflow({
    workflow: tableInitWorkflow({table: store.table}),
    context: {store, kms: session.client(KMSClient), pollIntervalMs: 100, timeoutMs: 60_000},
    parameters: {},
    journal: false,
  })
  const {KeyMetadata} = await new KMSClient({}).send(new CreateKeyCommand({Description: 'bench data keys'}))
  const createdAt = new Date(Date.now() - 2 * 86_400_000).toISOString()
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}))
  const keys = Array.from({length: KEYS}, (_, i) =>
    firstDataKey({tenantId: `tenant-${i}`, product: 'jira'}, {wrappedKey: randomBytes(184).toString('base64'), keyArn: KeyMetadata.Arn}, createdAt, 'bench'),
  )
  for (let start = 0; start < keys.length; start += 25) {
    await doc.send(new BatchWriteCommand({RequestItems: {[DEFAULT_TENANT_TABLE]: keys.slice(start, start + 25).map((Item) => ({PutRequest: {Item}}))}}))
  }
}

async function rotateAll() {
  const runId = newRunId()
  const session = await AwsSession.open({runId})
  const store = await TenantStore.open(session, {table: DEFAULT_TENANT_TABLE, region: 'us-east-1'})
  const started = performance.now()
  const cpu = process.cpuUsage()
  const {record, exitCode} = await runWorkflow({
    workflow: dataKeyRotateWorkflow,
    context: {session, store, request: {limits: {maxOperations: 5_000_000, maxAgeMs: 86_400_000}}},
    parameters: {all: true},
    runId,
    journal: false,
  })
  if (exitCode !== 0) throw new Error(`the rotation failed: ${record.error?.message}`)
  const used = process.cpuUsage(cpu)
  return {ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, record}
}

/** How many current and decrypt-only keys the store holds afterwards (one paged scan). */
async function census() {
  const store = await TenantStore.open(await AwsSession.open(), {table: DEFAULT_TENANT_TABLE, region: 'us-east-1'})
  const counts = {current: 0, 'decrypt-only': 0}
  await store.scanDataKeys({}, (page) => {
    for (const key of page) counts[key.status]++
  })
  return counts
}

/** One size: arrange, rotate, count, and say what was measured. */
async function measure(KEYS) {
  await resetMoto(moto.endpoint)
  await arrange(KEYS)
  const {ms, cpuMs, record} = await rotateAll()
  const calls = record.steps.flatMap((s) => s.calls)
  const byOperation = new Map()
  for (const c of calls) byOperation.set(`${c.service}.${c.operation}`, (byOperation.get(`${c.service}.${c.operation}`) ?? 0) + 1)
  const {rotated, skipped} = record.outcome
  const kms = byOperation.get('KMS.GenerateDataKeyWithoutPlaintext') ?? 0
  const counts = await census()
  console.log(
    `${KEYS} data keys: ${rotated} rotated (${skipped} skipped) in ${(ms / 1000).toFixed(1)} s against moto (${(ms / rotated).toFixed(2)} ms a key); opsctl's own CPU ${(cpuMs / rotated).toFixed(2)} ms a key`,
  )
  console.log(
    `  AWS calls: ${calls.length}, ${(calls.length / rotated).toFixed(3)} a key; by operation: ${[...byOperation].map(([op, n]) => `${op} ${n}`).join(', ')}`,
  )
  console.log(`  KMS calls ${kms} = keys rotated ${rotated}: ${kms === rotated ? 'met' : 'MISSED'}`)
  console.log(
    `  afterwards: ${counts.current} current and ${counts['decrypt-only']} decrypt-only keys (one current per tenant and product: ${counts.current === KEYS ? 'met' : 'MISSED'})`,
  )
}

try {
  for (const size of SIZES) await measure(size)
} finally {
  moto.stop()
}
