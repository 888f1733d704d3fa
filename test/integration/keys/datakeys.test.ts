import {EventBridgeClient} from '@aws-sdk/client-eventbridge'
import {expect} from 'chai'

import {type AwsCall, withinCallScope} from '../../../src/lib/aws/call-log.js'
import {runComplianceScan, selectChecks} from '../../../src/lib/compliance/scan.js'
import {newRunId} from '../../../src/lib/engine/journal.js'
import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {RunRecord} from '../../../src/lib/engine/types.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {listDataKeys} from '../../../src/lib/keys/datakeys.js'
import {type DataKeyRotateOutcome, dataKeyRotateWorkflow} from '../../../src/lib/keys/datakeys-rotate.js'
import {seedDemoEstate} from '../../../src/lib/sandbox/seed/index.js'
import {DEMO_DATAKEY_USAGE, tenantsSeeder} from '../../../src/lib/sandbox/seed/tenants.js'
import {decryptOnlyCopy, parseMaxAge, type UsageLimits} from '../../../src/lib/tenants/data-keys.js'
import {destroyWorkflow, purgeWorkflow} from '../../../src/lib/tenants/destroy.js'
import {DAY_MS, HOUR_MS, VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {countOperations, createWrappingKey, dataKeyEstate, dataKeyItems, decryptsTo, provisionTwoTenants, seedDataKeys} from '../../support/data-keys.js'
import {HOME_REGION, openTestStore} from '../../support/tenants.js'

const policy: UsageLimits = {maxOperations: 5_000_000, maxAgeMs: parseMaxAge('24h')}

/** Runs the rotation through the engine, as its command does, at a time `at` (default: now). */
async function rotate(options: {tenantId?: string; at?: number; limits?: UsageLimits; dryRun?: boolean; resume?: RunRecord; interrupt?: AbortSignal} = {}) {
  const runId = options.resume?.runId ?? newRunId()
  const request = {tenantId: options.tenantId, limits: options.limits ?? policy}
  return runWorkflow({
    workflow: dataKeyRotateWorkflow,
    context: {session: await testSession(runId), store: await openTestStore(), request},
    parameters: {tenantId: request.tenantId},
    runId,
    dryRun: options.dryRun,
    resume: options.resume,
    interrupt: options.interrupt,
    clock: new VirtualClock(options.at ?? Date.now()),
  })
}

const outcomeOf = (record: RunRecord) => record.outcome as unknown as DataKeyRotateOutcome

/** What each tenant+product has: its current keys (exactly one is right) and its decrypt-only ones. */
async function keysOf(tenantId: string) {
  const items = await dataKeyItems(tenantId)
  return {current: items.filter((k) => k.status === 'current'), decryptOnly: items.filter((k) => k.status === 'decrypt-only')}
}

describe('tenant data keys: listing and rotation by usage limits (against moto)', () => {
  beforeEach(async function () {
    this.timeout(60_000)
    await provisionTwoTenants()
  })

  it('provisions each product with one current key, version 1, created now, no operations counted', async () => {
    const {current, decryptOnly} = await keysOf('acme')
    expect(current.map((k) => k.product).sort()).to.deep.equal(['confluence', 'jira'])
    expect(decryptOnly).to.deep.equal([])
    for (const key of current) {
      expect(key).to.deep.include({keyVersion: 1, operations: 0, status: 'current', encryptionContext: {tenant: 'acme', product: key.product}})
      expect(Date.now() - Date.parse(key.createdAt)).to.be.below(60_000)
      expect(key.keyArn).to.match(/^arn:aws:kms:/)
    }
  })

  it('lists by a query of the tenant, or a scan, filters by product and by limit, and never carries a wrapped key', async () => {
    await countOperations('acme', 'jira', 6_000_000)
    const store = await openTestStore()
    const now = Date.now()
    const acme = await listDataKeys(store, {tenantId: 'acme', overLimit: false, limits: policy}, now)
    expect(acme.read.by).to.equal('query')
    expect(acme.keys.map((k) => `${k.tenantId} ${k.product} ${k.status} ${k.limitsPassed.join('+')}`)).to.deep.equal([
      'acme confluence current ',
      'acme jira current operations',
    ])
    const all = await listDataKeys(store, {product: 'jira', overLimit: false, limits: policy}, now)
    expect(all.read.by).to.equal('scan')
    expect(all.keys.map((k) => k.tenantId)).to.deep.equal(['acme', 'globex'])
    const over = await listDataKeys(store, {overLimit: true, limits: {...policy, maxAgeMs: HOUR_MS}}, now + 2 * HOUR_MS)
    expect(over.keys.map((k) => `${k.tenantId} ${k.product} ${k.limitsPassed.join('+')}`)).to.deep.equal([
      'acme confluence age',
      'acme jira operations+age',
      'globex jira age',
    ])
    const wrapped = (await dataKeyItems('acme')).map((k) => k.wrappedKey)
    for (const blob of wrapped) expect(JSON.stringify([acme, all, over])).not.to.contain(blob)
  })

  it('rotates a key over its operations: a new current key, the old one kept decrypt-only, both still decrypting', async () => {
    await countOperations('acme', 'jira', 5_000_001)
    const [before] = (await keysOf('acme')).current.filter((k) => k.product === 'jira')
    const {exitCode, record} = await rotate()
    expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
    expect(outcomeOf(record)).to.deep.include({due: 1, rotated: 1, skipped: 0})
    expect(outcomeOf(record).keys[0]).to.deep.include({tenantId: 'acme', product: 'jira', fromVersion: 1, result: 'rotated'})
    expect(outcomeOf(record).keys[0].why).to.contain('5,000,001 operations ≥ 5,000,000')
    const {current, decryptOnly} = await keysOf('acme')
    const jira = current.find((k) => k.product === 'jira')!
    expect(jira).to.deep.include({keyVersion: 2, operations: 0, keyArn: before.keyArn, encryptionContext: before.encryptionContext, runId: record.runId})
    expect(jira.wrappedKey).not.to.equal(before.wrappedKey)
    expect(decryptOnly).to.have.length(1)
    expect(decryptOnly[0]).to.deep.include({
      sk: 'DATAKEY#jira#v0000000001',
      keyVersion: 1,
      operations: 5_000_001,
      wrappedKey: before.wrappedKey,
      retiredBy: record.runId,
    })
    expect(await decryptsTo(decryptOnly[0])).to.equal(32)
    expect(await decryptsTo(jira)).to.equal(32)
    expect(current.find((k) => k.product === 'confluence')!.keyVersion).to.equal(1)
    expect(JSON.stringify(record)).not.to.contain(before.wrappedKey)
  })

  it('rotates keys over their age (a virtual clock a day on), one tenant or all, and each rotation adds one version', async () => {
    const dayOn = Date.now() + DAY_MS + HOUR_MS
    const one = await rotate({tenantId: 'globex', at: dayOn})
    expect(outcomeOf(one.record)).to.deep.include({due: 1, rotated: 1})
    expect(outcomeOf(one.record).keys[0].why).to.match(/^age 25h(\d+m)? ≥ 24h$/)
    const all = await rotate({at: dayOn})
    expect(outcomeOf(all.record)).to.deep.include({due: 2, rotated: 2})
    const twoDaysOn = await rotate({at: dayOn + DAY_MS})
    expect(outcomeOf(twoDaysOn.record)).to.deep.include({due: 3, rotated: 3})
    expect((await keysOf('globex')).decryptOnly.map((k) => k.keyVersion)).to.deep.equal([1, 2])
    expect((await keysOf('globex')).current.map((k) => k.keyVersion)).to.deep.equal([3])
  })

  it('leaves exactly one current key when two rotations race, the loser counting it skipped', async () => {
    await countOperations('acme', 'jira', 9_000_000)
    const [a, b] = await Promise.all([rotate(), rotate()])
    const outcomes = [outcomeOf(a.record), outcomeOf(b.record)]
    expect(outcomes.map((o) => o.rotated + o.skipped)).to.deep.equal([1, 1])
    expect(outcomes.map((o) => o.rotated).sort()).to.deep.equal([0, 1])
    const {current, decryptOnly} = await keysOf('acme')
    expect(current.filter((k) => k.product === 'jira').map((k) => k.keyVersion)).to.deep.equal([2])
    expect(decryptOnly.map((k) => k.keyVersion)).to.deep.equal([1])
  })

  it('changes nothing in a dry run, and lists what it would rotate and why', async () => {
    await countOperations('globex', 'jira', 5_000_000)
    const before = await dataKeyEstate()
    const {record} = await rotate({dryRun: true})
    expect(record.status).to.equal('planned')
    const due = record.steps.find((s) => s.id === 'find-due-keys')!.outputs!.due as {tenantId: string; why: string}[]
    expect(due.map((d) => `${d.tenantId}: ${d.why}`)).to.deep.equal(['globex: 5,000,000 operations ≥ 5,000,000'])
    expect(await dataKeyEstate()).to.deep.equal(before)
  })

  it('interrupted half-way through hundreds of keys (batches of 100), resumes without rotating a key twice or losing one', async function () {
    this.timeout(180_000)
    const keyArn = await createWrappingKey()
    await seedDataKeys(260, {keyArn, createdAt: new Date(Date.now() - 2 * DAY_MS).toISOString(), prefix: 'bulk'})
    const interrupt = new AbortController()
    const runId = newRunId()
    const first = await runWorkflow({
      workflow: dataKeyRotateWorkflow,
      context: {session: await testSession(runId), store: await openTestStore(), request: {limits: policy}},
      parameters: {},
      runId,
      interrupt: interrupt.signal,
      reporter: {
        ...silentReporter,
        stepProgress(_step, message) {
          if (message.startsWith('100 of')) interrupt.abort()
        },
      },
    })
    expect(first.record.status, first.record.error?.message).to.equal('interrupted')
    const halfway = (await dataKeyEstate()).filter((k) => k.endsWith('decrypt-only')).length
    expect(halfway).to.be.within(100, 259)
    const resumed = await rotate({resume: first.record})
    expect(resumed.record.status, resumed.record.error?.message).to.equal('succeeded')
    expect(outcomeOf(resumed.record)).to.deep.include({due: 260, rotated: 260, skipped: 0})
    const estate = await dataKeyEstate()
    const bulk = estate.filter((k) => k.startsWith('bulk-'))
    expect(bulk.filter((k) => k.endsWith(' current') && k.includes(' v2 '))).to.have.length(260)
    expect(bulk.filter((k) => k.endsWith(' v1 decrypt-only'))).to.have.length(260)
    expect(bulk).to.have.length(520)
  })

  it('interrupted between keeping the old key and making the new one current, loses nothing: the key is listed once and rotated by the next run', async () => {
    await countOperations('acme', 'jira', 6_000_000)
    const store = await openTestStore()
    const [read] = await store.currentDataKeys([{tenantId: 'acme', product: 'jira'}])
    await store.keepDecryptOnly([decryptOnlyCopy(read, new Date().toISOString(), 'killed-run')])
    const listed = await listDataKeys(store, {tenantId: 'acme', product: 'jira', overLimit: false, limits: policy}, Date.now())
    expect(listed.keys.map((k) => `v${k.keyVersion} ${k.status}`)).to.deep.equal(['v1 current'])
    const {record} = await rotate({tenantId: 'acme'})
    expect(outcomeOf(record)).to.deep.include({rotated: 1, skipped: 0})
    const {current, decryptOnly} = await keysOf('acme')
    expect(current.filter((k) => k.product === 'jira').map((k) => k.keyVersion)).to.deep.equal([2])
    expect(decryptOnly.map((k) => `v${k.keyVersion} ${k.retiredBy === record.runId}`)).to.deep.equal(['v1 true'])
    expect(await decryptsTo(decryptOnly[0])).to.equal(32)
  })

  it('keeps no copy of a key whose product was purged while the rotation ran: the crypto-shredding holds', async () => {
    await countOperations('acme', 'jira', 6_000_000)
    const store = await openTestStore()
    // The purge lands between the rotation's read of the key and its copy of it.
    const keep = store.keepDecryptOnly.bind(store)
    store.keepDecryptOnly = async (copies, signal) => {
      await store.deleteItems((await dataKeyItems('acme')).filter((k) => k.product === 'jira'))
      return keep(copies, signal)
    }
    const runId = newRunId()
    const {record} = await runWorkflow({
      workflow: dataKeyRotateWorkflow,
      context: {session: await testSession(runId), store, request: {tenantId: 'acme', limits: policy}},
      parameters: {},
      runId,
    })
    expect(record.status, record.error?.message).to.equal('succeeded')
    expect(outcomeOf(record)).to.deep.include({rotated: 0, skipped: 1})
    expect((await dataKeyItems('acme')).map((k) => k.product)).to.deep.equal(['confluence'])
  })

  it('fails compliance check datakey-usage-limits for each current key past its limits, by the limits given', async () => {
    await countOperations('acme', 'jira', 5_000_000)
    await rotate({tenantId: 'globex', at: Date.now() + DAY_MS + HOUR_MS})
    const scan = async (dataKeyLimits?: UsageLimits) =>
      runComplianceScan(await testSession(), {
        checks: selectChecks({checkIds: ['datakey-usage-limits']}),
        regions: [HOME_REGION, 'eu-west-1'],
        accountId: '123456789012',
        failOn: 'informational',
        minRetentionDays: 30,
        dataKeyLimits,
      })
    const verdicts = (result: Awaited<ReturnType<typeof scan>>) => result.findings.map((f) => `${f.region} ${f.resourceId} ${f.status}`).sort()
    expect(verdicts(await scan())).to.deep.equal(['us-east-1 acme/confluence PASS', 'us-east-1 acme/jira FAIL', 'us-east-1 globex/jira PASS'])
    // globex's new key was made a day on (a virtual clock): younger than any age now.
    expect(verdicts(await scan({maxOperations: 1, maxAgeMs: 1}))).to.deep.equal([
      'us-east-1 acme/confluence FAIL',
      'us-east-1 acme/jira FAIL',
      'us-east-1 globex/jira PASS',
    ])
  })

  it('reads the tenant store once for both of its checks, whatever the number of regions scanned', async () => {
    await countOperations('acme', 'jira', 5_000_000)
    const calls: AwsCall[] = []
    const result = await withinCallScope({calls}, async () =>
      runComplianceScan(await testSession(), {
        checks: selectChecks({checkIds: ['datakey-usage-limits', 'tenant-residency']}),
        regions: [HOME_REGION, 'eu-west-1'],
        accountId: '123456789012',
        failOn: 'informational',
        minRetentionDays: 30,
      }),
    )
    expect(result.findings.filter((f) => f.checkId === 'datakey-usage-limits').map((f) => `${f.resourceId} ${f.status}`)).to.have.members([
      'acme/confluence PASS',
      'acme/jira FAIL',
      'globex/jira PASS',
    ])
    expect(result.findings.filter((f) => f.checkId === 'tenant-residency')).to.not.be.empty
    expect(calls.filter((c) => c.operation === 'Scan').map((c) => c.service)).to.deep.equal(['DynamoDB'])
  })

  it('purges every data key of a destroyed tenant, the decrypt-only ones with the current ones', async () => {
    await rotate({tenantId: 'acme', at: Date.now() + DAY_MS + HOUR_MS})
    await rotate({tenantId: 'acme', at: Date.now() + 2 * DAY_MS + 2 * HOUR_MS})
    expect(await dataKeyItems('acme')).to.have.length(6)
    const context = async () => ({session: await testSession(), store: await openTestStore(), eventbridge: new EventBridgeClient({region: HOME_REGION})})
    await runWorkflow({
      workflow: destroyWorkflow,
      context: {...(await context()), request: {tenantId: 'acme', graceDays: 0, eventBus: 'default'}},
      parameters: {},
    })
    const purged = await runWorkflow({
      workflow: purgeWorkflow,
      context: {...(await context()), request: {tenantIds: ['acme']}},
      parameters: {},
      clock: new VirtualClock(Date.now() + 3 * DAY_MS),
    })
    expect(purged.exitCode, purged.record.error?.message).to.equal(0)
    expect((purged.record.outcome as {purged: {dataKeysDeleted: number}[]}).purged[0].dataKeysDeleted).to.equal(6)
    expect(await dataKeyItems('acme')).to.deep.equal([])
    expect(await dataKeyItems('globex')).to.have.length(1)
  })
})

describe('sandbox seed: tenant data keys with usage (against moto)', () => {
  it('seeds counters and ages, some keys past the limits, once', async function () {
    this.timeout(120_000)
    const session = await testSession()
    const first = await seedDemoEstate(session, [tenantsSeeder])
    expect(first.filter((r) => r.type === 'tenant-data-key-usage').map((r) => `${r.id} ${r.status}`)).to.deep.equal(
      DEMO_DATAKEY_USAGE.map((u) => `${u.tenantId}/${u.product} created`),
    )
    const over = await listDataKeys(await openTestStore(), {overLimit: true, limits: policy}, Date.now())
    expect(over.keys.map((k) => `${k.tenantId} ${k.product} ${k.limitsPassed.join('+')}`)).to.deep.equal(['hooli jira age', 'initech jira operations'])
    const second = await seedDemoEstate(session, [tenantsSeeder])
    expect(second.every((r) => r.status === 'existing')).to.equal(true)
  })
})
