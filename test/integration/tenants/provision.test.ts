import {EventBridgeClient} from '@aws-sdk/client-eventbridge'
import {KMSClient} from '@aws-sdk/client-kms'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {expect} from 'chai'

import {newRunId} from '../../../src/lib/engine/journal.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {Step, Workflow} from '../../../src/lib/engine/types.js'
import {GLOBAL} from '../../../src/lib/tenants/catalogue.js'
import {type ProvisionContext, type ProvisionRequest, provisionWorkflow} from '../../../src/lib/tenants/provision.js'
import {DEFAULT_TENANT_TABLE, dataKeyKey, shardFillKey, siteKey, TenantStore} from '../../../src/lib/tenants/store.js'
import {tableInitWorkflow} from '../../../src/lib/tenants/table.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {testSession} from '../../support/aws.js'
import {createShard, tenantEstate, tenantEventQueue} from '../../support/tenants.js'

const regions = ['eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-2']

const request = (overrides: Partial<ProvisionRequest> = {}): ProvisionRequest => ({
  tenantId: 'acme',
  site: 'acme',
  products: ['jira', 'confluence'],
  residency: 'EU',
  seats: {jira: 50, confluence: 20},
  apps: ['tempo'],
  config: {'smtp-host': 'mail.acme.example'},
  secrets: {'smtp-password': 'canary-smtp-secret-1'},
  eventBus: 'default',
  ...overrides,
})

async function storeOf(runId = newRunId()) {
  const session = await testSession(runId)
  return {session, store: await TenantStore.open(session, {table: DEFAULT_TENANT_TABLE, region: 'us-east-1'})}
}

async function initTable(): Promise<void> {
  const {session, store} = await storeOf()
  const {exitCode} = await runWorkflow({
    workflow: tableInitWorkflow({table: store.table}),
    context: {store, kms: session.client(KMSClient), pollIntervalMs: 1, timeoutMs: 10_000},
    parameters: {},
    clock: new VirtualClock(),
  })
  expect(exitCode).to.equal(0)
}

async function provision(
  req: ProvisionRequest,
  workflow: Workflow<ProvisionContext, object> = provisionWorkflow,
  storeFor: (store: TenantStore) => TenantStore = (store) => store,
) {
  const runId = newRunId()
  const {session, store} = await storeOf(runId)
  return runWorkflow({
    workflow,
    context: {session, store: storeFor(store), eventbridge: session.client(EventBridgeClient), request: req},
    parameters: {...req},
    runId,
    clock: new VirtualClock(),
  })
}

describe('tenant provision (against moto)', () => {
  beforeEach(async function () {
    this.timeout(60_000)
    await initTable()
    await createShard('jira-eu-1', 'jira', 'eu-central-1', 10)
    await createShard('jira-eu-2', 'jira', 'eu-west-1', 10)
    await createShard('confluence-eu', 'confluence', 'eu-west-1', 10)
    await createShard('jira-us', 'jira', 'us-east-1', 10)
    await createShard('jira-us-west', 'jira', 'us-west-2', 10)
  })

  it('runs the seven steps: context, site, regions, configuration, identity, databases with wrapped data keys, apps; then delivers each event once', async () => {
    const queue = await tenantEventQueue()
    const {record, exitCode} = await provision(
      request({identity: {users: [{email: 'ana@acme.example', groups: ['admins']}], groups: [{name: 'admins', permissions: ['administer-site']}]}}),
    )
    expect(exitCode, record.error?.message).to.equal(0)
    expect(record.steps.map((s) => s.id)).to.deep.equal([
      'check-request',
      'record-tenant',
      'create-site',
      'fix-regions',
      'store-configuration',
      'store-identity',
      'provision-databases',
      'provision-apps',
      'deliver-events',
    ])
    const {store} = await storeOf()
    const context = await store.require('acme')
    expect(context).to.deep.include({status: 'active', residency: 'EU', apps: ['tempo'], version: 8})
    expect(context.products.jira).to.deep.include({state: 'active', region: 'eu-central-1', seats: 50, shardId: 'jira-eu-1', database: 't_acme_jira'})
    expect(context.products.confluence).to.deep.include({state: 'active', region: 'eu-west-1', shardId: 'confluence-eu'})
    expect(await store.getItem(siteKey('acme'))).to.deep.include({tenantId: 'acme'})
    expect(await store.getItem(shardFillKey('jira-eu-1'))).to.deep.include({tenants: 1, capacity: 10})
    const dataKey = await store.getItem<Record<string, unknown>>(dataKeyKey('acme', 'jira'))
    expect(dataKey).to.include.keys('wrappedKey', 'keyArn')
    expect(Object.keys(dataKey!).some((k) => /plaintext/i.test(k))).to.equal(false)
    const secret = await new SSMClient({region: 'eu-west-1'}).send(new GetParameterCommand({Name: '/opsctl/tenants/acme/smtp-password'}))
    expect(secret.Parameter?.Type).to.equal('SecureString')
    expect(JSON.stringify(record)).not.to.contain('canary-smtp-secret-1')
    const events = await queue.drain()
    expect(events.map((e) => `${e['detail-type']} ${e.detail.product ?? ''}`.trim())).to.deep.equal([
      'Tenant Created',
      'Product Activated jira',
      'Product Activated confluence',
    ])
    expect(events[1].detail).to.deep.include({tenantId: 'acme', site: 'acme', seats: 50, licenceStatus: 'active', contextVersion: 2, runId: record.runId})
    expect((await store.events('acme')).every((e) => e.deliveredAt && e.eventBridgeId && e.eventBus === 'default')).to.equal(true)
  })

  it('places a tenant without residency in the regions nearest to --near', async () => {
    const {exitCode, record} = await provision(
      request({tenantId: 'globex', site: 'globex', products: ['jira'], residency: GLOBAL, near: 'us-west-1', seats: {jira: 5}}),
    )
    expect(exitCode, record.error?.message).to.equal(0)
    expect((await (await storeOf()).store.require('globex')).products.jira).to.deep.include({region: 'us-west-2', shardId: 'jira-us-west'})
  })

  it('refuses, before any change, a pinned tenant whose location has no shard with room', async () => {
    const {exitCode, record} = await provision(request({residency: 'AU'}))
    expect(exitCode).to.equal(2)
    expect(record.error?.message).to.match(
      /^No Jira shard in ap-southeast-2 \(AU\) has room for another tenant; add one: an RDS instance or Aurora cluster there tagged opsctl:shard-product=jira/,
    )
    expect(await tenantEstate(regions)).to.deep.equal([])
  })

  // deliver-events is the last step and keeps what came before it (a tenant whose events wait in the outbox stays provisioned).
  for (const failing of provisionWorkflow.steps.slice(1, -1).map((s) => s.id)) {
    it(`undoes everything the run made when the step after ${failing} fails`, async () => {
      const index = provisionWorkflow.steps.findIndex((s) => s.id === failing)
      const boom: Step<ProvisionContext, object> = {id: 'boom', title: 'Fail', actions: [], mutates: true, run: async () => Promise.reject(new Error('boom'))}
      const steps = [...provisionWorkflow.steps.slice(0, index + 1), boom]
      const {exitCode, record} = await provision(request(), {...provisionWorkflow, steps})
      expect(exitCode).to.equal(1)
      expect(
        record.steps
          .filter((s) => s.undo)
          .map((s) => `${s.id} ${s.undo!.status}`)
          .every((u) => u.endsWith('succeeded')),
      ).to.equal(true)
      // The shards' fills are given back (their items stay, at 0); nothing of the tenant, its site or its parameters is left.
      expect((await tenantEstate(regions)).filter((i) => !/^SHARD#.* fill 0$/.test(i) && !/^SHARD#.*FILL$/.test(i))).to.deep.equal([])
    })
  }

  it('places exactly one of two provisions competing for the last seat of a shard; the other is refused and undone', async () => {
    await createShard('confluence-last', 'confluence', 'eu-central-1', 1)
    const seat = (tenantId: string) => request({tenantId, site: tenantId, products: ['confluence'], seats: {confluence: 1}})
    // South has seen the shard with room; north takes the last seat before south's placement is written. (Made
    // deterministic: moto's transactions are not isolated from one another, so a real race there can seat both.)
    let north: Awaited<ReturnType<typeof provision>> | undefined
    const overtaken = (store: TenantStore) =>
      Object.assign(Object.create(store), {
        async change(...args: Parameters<TenantStore['change']>) {
          if (!north && args[2].includes('#place#')) north = await provision(seat('north'))
          return store.change(...args)
        },
      }) as TenantStore
    const south = await provision(seat('south'), provisionWorkflow, overtaken)
    expect(north?.exitCode).to.equal(0)
    expect(south.exitCode).to.equal(1)
    expect(south.record.error?.message).to.match(/^No Confluence shard in eu-central-1 \(EU\/DE\) has room for another tenant/)
    expect(south.record.steps.filter((s) => s.undo).every((s) => s.undo!.status === 'succeeded')).to.equal(true)
    const {store} = await storeOf()
    expect(await store.getItem(shardFillKey('confluence-last'))).to.deep.include({tenants: 1, capacity: 1})
    expect((await store.tenantsOnShard('confluence-last')).tenantIds).to.deep.equal(['north'])
    expect(await store.get('south')).to.equal(undefined)
  })
})
