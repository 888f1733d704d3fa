import {EventBridgeClient} from '@aws-sdk/client-eventbridge'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {newRunId} from '../../../src/lib/engine/journal.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {Step, Workflow} from '../../../src/lib/engine/types.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import type {ProductChange} from '../../../src/lib/tenants/context.js'
import type {TenantsContext} from '../../../src/lib/tenants/delivery.js'
import {destroyWorkflow, purgeWorkflow, restoreWorkflow} from '../../../src/lib/tenants/destroy.js'
import {type LicenceRequest, licenceWorkflow, productChangeWorkflow} from '../../../src/lib/tenants/lifecycle.js'
import {dataKeyKey, shardFillKey, siteKey, type TenantStore} from '../../../src/lib/tenants/store.js'
import {DAY_MS, VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {expectEventMatchesSchema} from '../../support/schema.js'
import {createShard, HOME_REGION, initTenantStore, openTestStore, provisionTenant, tenantEstate, tenantEventQueue} from '../../support/tenants.js'

const regions = ['eu-central-1', 'eu-west-1', 'us-east-1']
const start = Date.parse('2026-03-01T00:00:00Z')

/** Runs a lifecycle workflow through the engine, as its command does, at a given time (default: `start`). */
async function run<R extends object, Q extends object>(
  workflow: Workflow<TenantsContext & {request: Q}, R>,
  request: Q,
  options: {at?: number; store?: TenantStore} = {},
) {
  const runId = newRunId()
  const session = await testSession(runId)
  return runWorkflow({
    workflow,
    context: {session, store: options.store ?? (await openTestStore()), eventbridge: new EventBridgeClient({region: HOME_REGION}), request},
    parameters: {...request} as Record<string, unknown>,
    runId,
    clock: new VirtualClock(options.at ?? start),
  })
}

const change = (c: ProductChange, product: string, extra: {seats?: number; near?: string} = {}, tenantId = 'acme') =>
  run(productChangeWorkflow(c), {tenantId, product, change: c, eventBus: 'default', ...extra})
const licence = (request: Partial<LicenceRequest>) =>
  run(licenceWorkflow, {tenantId: 'acme', product: 'jira', seats: 1, licence: 'active' as const, eventBus: 'default', ...request})
const destroy = (graceDays = 30) => run(destroyWorkflow, {tenantId: 'acme', graceDays, eventBus: 'default'})
const restore = (at = start) => run(restoreWorkflow, {tenantId: 'acme', eventBus: 'default'}, {at})
const purge = (tenantIds: string[], at: number) => run(purgeWorkflow, {tenantIds}, {at})

const seatsIn = async (region: string, tenantId = 'acme', product = 'jira') =>
  (await new SSMClient({region}).send(new GetParameterCommand({Name: `/opsctl/tenants/${tenantId}/${product}/seats`}))).Parameter!.Value

describe('tenant lifecycle (against moto)', () => {
  let queue: Awaited<ReturnType<typeof tenantEventQueue>>

  beforeEach(async function () {
    this.timeout(60_000)
    await initTenantStore()
    await createShard('jira-eu', 'jira', 'eu-central-1', 3)
    await createShard('confluence-eu', 'confluence', 'eu-west-1', 3)
    await createShard('jira-us', 'jira', 'us-east-1', 3)
    await provisionTenant({tenantId: 'acme', products: ['jira', 'confluence'], residency: 'EU', seats: {jira: 50, confluence: 20}})
    // The events of what each test does, not of the provision.
    queue = await tenantEventQueue()
  })

  it('walks a product through its states, each change one context version and one delivered event that matches its schema', async () => {
    const steps: [ProductChange, string][] = [
      ['suspend', 'suspended'],
      ['unsuspend', 'active'],
      ['deactivate', 'deactivated'],
      ['activate', 'active'],
    ]
    const store = await openTestStore()
    const before = await store.require('acme')
    for (const [c, state] of steps) {
      const {exitCode, record} = await change(c, 'jira')
      expect(exitCode, record.error?.message).to.equal(ExitCode.Success)
      expect((await store.require('acme')).products.jira.state).to.equal(state)
    }
    const after = await store.require('acme')
    expect(after.version).to.equal(before.version + 4)
    // Only the state changed: the shard, the database and the seats are the product's still.
    expect({...after.products.jira, state: 'x'}).to.deep.equal({...before.products.jira, state: 'x'})
    const events = await queue.drain()
    expect(events.map((e) => `${e['detail-type']} ${e.detail.product} v${e.detail.contextVersion}`)).to.deep.equal([
      `Product Suspended jira v${before.version + 1}`,
      `Product Unsuspended jira v${before.version + 2}`,
      `Product Deactivated jira v${before.version + 3}`,
      `Product Activated jira v${before.version + 4}`,
    ])
    for (const event of events) expectEventMatchesSchema(event)
  })

  it('refuses a change the state machine does not allow with exit 2 naming the current state, and changes nothing', async () => {
    const estate = await tenantEstate(regions)
    const refusals: [ProductChange, RegExp][] = [
      ['unsuspend', /^jira of tenant acme is active, so it cannot be unsuspended; from active it can be suspended or deactivated\.$/],
      ['activate', /^jira of tenant acme is active, so it cannot be activated/],
    ]
    for (const [c, message] of refusals) {
      const {exitCode, record} = await change(c, 'jira')
      expect(exitCode).to.equal(ExitCode.Usage)
      expect(record.error?.message).to.match(message)
    }
    expect((await change('deactivate', 'jira')).exitCode).to.equal(0)
    const {exitCode, record} = await change('suspend', 'jira')
    expect(exitCode).to.equal(ExitCode.Usage)
    expect(record.error?.message).to.match(/is deactivated, so it cannot be suspended; from deactivated it can be activated\./)
    const missing = await change('suspend', 'trello')
    expect(missing.record.error?.message).to.match(
      /^Tenant acme has no trello \(its products: jira, confluence\); add it with "opsctl tenant activate acme --product trello"\.$/,
    )
    expect((await tenantEstate(regions)).filter((i) => !i.includes('CONTEXT') && !i.includes('EVENT#'))).to.deep.equal(
      estate.filter((i) => !i.includes('CONTEXT') && !i.includes('EVENT#')),
    )
  })

  it('activates a product new to a pinned tenant inside its location, with a shard seat, a data key and its parameters', async () => {
    await createShard('jsm-eu', 'jira-service-management', 'eu-central-1', 3)
    const {exitCode, record} = await change('activate', 'jira-service-management', {seats: 7})
    expect(exitCode, record.error?.message).to.equal(0)
    const store = await openTestStore()
    const tenant = await store.require('acme')
    expect(tenant.products['jira-service-management']).to.deep.include({state: 'active', region: 'eu-central-1', shardId: 'jsm-eu', seats: 7})
    expect(tenant.configKeys).to.include.members(['jira-service-management/region', 'jira-service-management/seats'])
    expect(await store.getItem(dataKeyKey('acme', 'jira-service-management'))).to.include({product: 'jira-service-management'})
    expect(await store.getItem(shardFillKey('jsm-eu'))).to.include({tenants: 1})
    expect((await store.tenantsOnShard('jsm-eu')).tenantIds).to.deep.equal(['acme'])
    expect(await seatsIn('eu-central-1', 'acme', 'jira-service-management')).to.equal('7')
    const [event] = await queue.drain()
    expectEventMatchesSchema(event)
    expect(event.detail).to.include({product: 'jira-service-management', seats: 7})
  })

  it('refuses before any change a new product a pinned tenant could only get outside its location, or one without residency', async () => {
    // A JSM shard with room exists, but in the US: the EU tenant may not use it.
    await createShard('jsm-us', 'jira-service-management', 'us-east-1', 3)
    const estate = await tenantEstate(regions)
    const outside = await change('activate', 'jira-service-management')
    expect(outside.exitCode).to.equal(ExitCode.Usage)
    expect(outside.record.error?.message, outside.record.error?.message).to.match(
      /^No Jira Service Management shard in eu-central-1 or eu-west-1 \(EU\/DE\) has room for another tenant; add one/,
    )
    const notOffered = await change('activate', 'trello')
    expect(notOffered.exitCode).to.equal(ExitCode.Usage)
    expect(notOffered.record.error?.message).to.match(/^Data residency is not offered for Trello/)
    expect(await tenantEstate(regions)).to.deep.equal(estate)
  })

  it('updates a licence in the context and in Parameter Store; a failure after the update keeps it for --resume', async () => {
    expect((await licence({seats: 75})).exitCode).to.equal(0)
    expect(await seatsIn('eu-central-1')).to.equal('75')
    const [event] = await queue.drain()
    expectEventMatchesSchema(event)
    expect(event.detail).to.include({product: 'jira', seats: 75, licenceStatus: 'active'})

    // The update is done for good once its seats are stored: a later failure does not take it back.
    const boom: Step<unknown, object> = {id: 'boom', title: 'Fail', actions: [], mutates: true, run: () => Promise.reject(new Error('boom'))}
    const failing = {...licenceWorkflow, steps: [...licenceWorkflow.steps.slice(0, 3), boom]}
    const {exitCode, record} = await run(failing, {tenantId: 'acme', product: 'jira', seats: 3, licence: 'inactive' as const, eventBus: 'default'})
    expect(exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(record.steps.filter((s) => s.undo)).to.deep.equal([])
    expect(await seatsIn('eu-central-1')).to.equal('3')
    expect((await (await openTestStore()).require('acme')).products.jira).to.include({seats: 3, licence: 'inactive'})
  })

  /**
   * A store whose n-th read of the tenant returns it as it was before `meanwhile[n]` landed another change: the lost race
   * of concurrent changes, made deterministic (moto's transactions are not isolated from each other, so two changes
   * really racing there can both pass their condition; DynamoDB's cannot). Reads past the list are fresh.
   */
  async function staleStore(meanwhile: (() => Promise<unknown>)[]): Promise<TenantStore> {
    const store = await openTestStore()
    let reads = 0
    return Object.assign(Object.create(store), {
      async require(tenantId: string, signal?: AbortSignal) {
        const before = await store.require(tenantId, signal)
        await meanwhile[reads++]?.()
        return before
      },
    }) as TenantStore
  }
  const nothing = async () => undefined

  it('loses no update when another change lands first: the change reads again and lands too, with its own version and event', async () => {
    const store = await openTestStore()
    const before = await store.require('acme')
    const licenceChange = {tenantId: 'acme', product: 'jira', seats: 60, licence: 'active' as const, eventBus: 'default'}
    // The licence change's write is based on a read from before the suspension landed: it reads again and lands too.
    const racing = await staleStore([nothing, () => change('suspend', 'confluence')])
    const {exitCode, record} = await run(licenceWorkflow, licenceChange, {store: racing})
    expect(exitCode, record.error?.message).to.equal(0)
    const after = await store.require('acme')
    expect(after.products.jira.seats).to.equal(60)
    expect(after.products.confluence.state).to.equal('suspended')
    expect(after.version).to.equal(before.version + 2)
    expect((await store.events('acme')).filter((e) => e.detail.contextVersion > before.version).map((e) => e.detailType)).to.have.members([
      'Product Suspended',
      'License Updated',
    ])
  })

  it('refuses a change that loses the race twice with exit 2 and one sentence, having written nothing', async () => {
    const racing = await staleStore([nothing, () => licence({seats: 61}), () => licence({seats: 62})])
    const {exitCode, record} = await run(
      productChangeWorkflow('suspend'),
      {tenantId: 'acme', product: 'confluence', change: 'suspend', eventBus: 'default'},
      {store: racing},
    )
    expect(exitCode).to.equal(ExitCode.Usage)
    expect(record.error?.message).to.equal('Another change to tenant acme landed first; run the command again.')
    const after = await (await openTestStore()).require('acme')
    expect(after.products.confluence.state).to.equal('active')
    expect((await (await openTestStore()).events('acme')).map((e) => e.detailType)).not.to.include('Product Suspended')
  })

  it('destroys reversibly: seats given back, data keys and parameters kept, restored as it was within the grace period', async () => {
    expect((await change('suspend', 'confluence')).exitCode).to.equal(0)
    await queue.drain()
    const store = await openTestStore()
    const alive = await store.require('acme')
    const {exitCode, record} = await destroy(30)
    expect(exitCode, record.error?.message).to.equal(0)
    const destroyed = await store.require('acme')
    expect(destroyed).to.include({status: 'destroyed', destroyedAt: new Date(start).toISOString(), graceUntil: new Date(start + 30 * DAY_MS).toISOString()})
    expect(Object.values(destroyed.products).map((p) => p.state)).to.deep.equal(['destroyed', 'destroyed'])
    expect(await store.getItem(shardFillKey('jira-eu'))).to.include({tenants: 0})
    expect((await store.tenantsOnShard('jira-eu')).tenantIds).to.deep.equal([])
    expect(await store.getItem(dataKeyKey('acme', 'jira'))).to.not.equal(undefined)
    expect(await seatsIn('eu-central-1')).to.equal('50')
    expect((await queue.drain()).map((e) => `${e['detail-type']} ${e.detail.product ?? ''}`.trim())).to.deep.equal([
      'Product Deactivated jira',
      'Product Deactivated confluence',
      'Tenant Destroyed',
    ])
    const refused = await change('unsuspend', 'confluence')
    expect(refused.record.error?.message).to.match(/^Tenant acme was destroyed on .*; bring it back first with "opsctl tenant restore acme"/)
    expect((await destroy()).record.error?.message).to.match(/^Tenant acme was destroyed on/)

    const back = await restore(start + 29 * DAY_MS)
    expect(back.exitCode, back.record.error?.message).to.equal(0)
    const restored = await store.require('acme')
    expect(restored.status).to.equal('active')
    expect(restored.products).to.deep.equal(alive.products)
    expect(restored.destroyedAt).to.equal(undefined)
    expect(await store.getItem(shardFillKey('jira-eu'))).to.include({tenants: 1})
    expect((await store.tenantsOnShard('confluence-eu')).tenantIds).to.deep.equal(['acme'])
    const events = await queue.drain()
    expect(events.map((e) => `${e['detail-type']} ${e.detail.product}`)).to.deep.equal(['Product Activated jira', 'Product Suspended confluence'])
    for (const event of events) expectEventMatchesSchema(event)
  })

  it('restores only within the grace period and when its shard has room again; purges only after it, shredding the data keys', async function () {
    this.timeout(60_000)
    expect((await destroy(7)).exitCode).to.equal(0)
    // While acme was gone, its seats on jira-eu went to others.
    for (const t of ['t1', 't2', 't3']) await provisionTenant({tenantId: t, products: ['jira'], residency: 'EU'})
    const full = await restore(start + DAY_MS)
    expect(full.exitCode).to.equal(ExitCode.Usage)
    expect(full.record.error?.message).to.equal(
      'Shard jira-eu has no room left for the jira data of tenant acme; raise its opsctl:shard-capacity tag or free a seat, then restore again.',
    )
    const early = await purge(['acme'], start + 6 * DAY_MS)
    expect(early.exitCode).to.equal(ExitCode.Usage)
    expect(early.record.error?.message).to.match(/^Tenant acme is within its grace period until 2026-03-08T00:00:00.000Z/)
    expect((await purge(['t1'], start + 8 * DAY_MS)).record.error?.message).to.match(/^Tenant t1 is active; destroy it first/)
    const late = await restore(start + 8 * DAY_MS)
    expect(late.record.error?.message).to.match(/^The grace period of tenant acme ended on 2026-03-08T00:00:00.000Z/)

    const estate = await tenantEstate(regions)
    const {exitCode, record} = await purge([], start + 8 * DAY_MS)
    expect(exitCode, record.error?.message).to.equal(0)
    expect(record.outcome).to.deep.equal({purged: [{tenantId: 'acme', parametersDeleted: 6, dataKeysDeleted: 2}]})
    const store = await openTestStore()
    expect(await store.getItem(dataKeyKey('acme', 'jira'))).to.equal(undefined)
    expect(await store.getItem(siteKey('acme'))).to.equal(undefined)
    expect((await store.require('acme')).purgedAt).to.equal(new Date(start + 8 * DAY_MS).toISOString())
    const left = await tenantEstate(regions)
    // Its events stay for the audit; everything else of acme is gone, and the other tenants are untouched.
    expect(left.filter((i) => i.includes('acme') && !i.includes('EVENT#') && !i.includes('CONTEXT'))).to.deep.equal([])
    expect(left.filter((i) => !i.includes('acme'))).to.deep.equal(estate.filter((i) => !i.includes('acme')))
    expect((await restore(start + DAY_MS)).record.error?.message).to.match(/^Tenant acme was purged on/)
    // Purging again finds nothing left to purge.
    expect((await purge([], start + 9 * DAY_MS)).record.outcome).to.deep.equal({purged: []})
  })
})
