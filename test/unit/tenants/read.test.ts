import {readdirSync, readFileSync} from 'node:fs'

import {expect} from 'chai'

import {UsageError} from '../../../src/lib/errors/errors.js'
import {products} from '../../../src/lib/tenants/catalogue.js'
import type {TenantContext} from '../../../src/lib/tenants/context.js'
import {renderEventLog, renderTenant, renderTenantList} from '../../../src/lib/tenants/render.js'
import {eventTypes, type TenantEvent, type TenantStore} from '../../../src/lib/tenants/store.js'
import {type EventView, listTenants, shardFilter, type TenantView, tenantFilter, tenantView} from '../../../src/lib/tenants/views.js'
import {eventSchemaFile} from '../../support/schema.js'

const RUN = '20261202T093708Z-8d0afd'

const contextOf = (tenantId: string, overrides: Partial<TenantContext> = {}): TenantContext => ({
  tenantId,
  site: tenantId,
  residency: 'EU',
  status: 'active',
  products: {jira: {state: 'active', region: 'eu-central-1', seats: 10, licence: 'active', shardId: 'jira-eu-1', database: `t_${tenantId}_jira`}},
  apps: [],
  features: [],
  configKeys: [],
  version: 3,
  createdAt: '2026-12-02T09:37:08.570Z',
  updatedAt: '2026-12-02T09:37:09.474Z',
  provisionedBy: RUN,
  lastRunId: RUN,
  lastStep: 'provision-apps',
  ...overrides,
})

/** A tenant store that holds these contexts (and `events`), and says which calls reached it; a scan is refused when `noScan`. */
function storeOf(contexts: TenantContext[], options: {noScan?: boolean; events?: TenantEvent[]} = {}) {
  const calls: string[] = []
  const store = {
    async require(tenantId: string) {
      return contexts.find((c) => c.tenantId === tenantId)!
    },
    async events() {
      return options.events ?? []
    },
    async allTenants() {
      calls.push('scan')
      if (options.noScan) throw new Error('a shard filter scanned the table')
      return contexts
    },
    async tenantsOnShard(shardId: string) {
      calls.push(`query ${shardId}`)
      return {tenantIds: contexts.filter((c) => Object.values(c.products).some((p) => p.shardId === shardId)).map((c) => c.tenantId), pages: 2}
    },
    async contexts(ids: string[]) {
      calls.push(`get ${ids.join(',')}`)
      return new Map(contexts.filter((c) => ids.includes(c.tenantId)).map((c) => [c.tenantId, c]))
    },
  }
  return {store: store as unknown as TenantStore, calls}
}

const listed = async (contexts: TenantContext[], filter: Parameters<typeof tenantFilter>[0]) =>
  (await listTenants(storeOf(contexts).store, tenantFilter(filter))).tenants.map((t) => t.tenantId)

const refusal = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError)
    return (error as Error).message
  }
  throw new Error('not refused')
}

describe('reading tenants (unit)', () => {
  it('refuses an unknown product, location or status in one sentence that says what there is', () => {
    expect(refusal(() => tenantFilter({product: 'jirra'}))).to.equal('Unknown product "jirra"; did you mean jira?')
    expect(refusal(() => tenantFilter({location: 'Mars'}))).to.equal('Unknown location "Mars"; the locations are US, EU, GB, DE, CH, AU, CA, IN, JP, SG, KR.')
    expect(refusal(() => tenantFilter({status: 'suspnded'}))).to.equal(
      'Unknown status "suspnded" (did you mean suspended?); a tenant\'s status is provisioning, active, destroyed, a product\'s state pending, active, suspended, deactivated, destroyed.',
    )
    expect(refusal(() => shardFilter({location: 'EUR'}))).to.match(/^Unknown location "EUR"/)
  })

  it('takes a location in any case, and global for the tenants pinned to none', async () => {
    const tenants = [contextOf('acme'), contextOf('globex', {residency: 'global'}), contextOf('initech', {residency: 'DE'})]
    expect(await listed(tenants, {location: 'eu'})).to.deep.equal(['acme'])
    expect(await listed(tenants, {location: 'GLOBAL'})).to.deep.equal(['globex'])
  })

  it("keeps the tenants whose status, or one of whose products' state, is the one asked; with --product, that product's", async () => {
    const suspendedJira = {state: 'suspended', region: 'eu-central-1', seats: 5, licence: 'active'} as const
    const activeConfluence = {state: 'active', region: 'eu-west-1', seats: 5, licence: 'active'} as const
    const tenants = [
      contextOf('acme', {products: {jira: suspendedJira, confluence: activeConfluence}}),
      contextOf('globex', {products: {confluence: {...activeConfluence, state: 'suspended'}}}),
      contextOf('initech', {status: 'provisioning', products: {jira: {...suspendedJira, state: 'pending'}}}),
    ]
    expect(await listed(tenants, {status: 'suspended'})).to.deep.equal(['acme', 'globex'])
    expect(await listed(tenants, {status: 'suspended', product: 'jira'})).to.deep.equal(['acme'])
    expect(await listed(tenants, {status: 'active', product: 'jira'})).to.deep.equal([])
    expect(await listed(tenants, {status: 'provisioning'})).to.deep.equal(['initech'])
    expect(await listed(tenants, {product: 'confluence'})).to.deep.equal(['acme', 'globex'])
  })

  it("lists a shard's tenants from the index and reads only their contexts, never scanning, and says how many pages it read", async () => {
    const {store, calls} = storeOf([contextOf('acme'), contextOf('globex', {products: {}}), contextOf('initech')], {noScan: true})
    const listing = await listTenants(store, tenantFilter({shard: 'jira-eu-1', location: 'EU'}))
    expect(listing.tenants.map((t) => t.tenantId)).to.deep.equal(['acme', 'initech'])
    expect(listing.pages).to.equal(2)
    expect(calls).to.deep.equal(['query jira-eu-1', 'get acme,initech'])
  })

  it('shows the latest ten events of a tenant, oldest first, and counts those in the outbox among all', async () => {
    const events = Array.from(
      {length: 12},
      (_, n): TenantEvent => ({
        pk: 'TENANT#acme',
        sk: `EVENT#${n}`,
        detailType: 'License Updated',
        detail: {tenantId: 'acme', site: 'acme', product: 'jira', seats: n + 1, licenceStatus: 'active', contextVersion: n + 1, runId: RUN},
        createdAt: '2026-12-02T09:37:08.570Z',
        ...(n === 0 || n === 11 ? {} : {deliveredAt: '2026-12-02T09:37:09.000Z', eventBridgeId: `id-${n}`, eventBus: 'default'}),
      }),
    )
    const view = await tenantView(storeOf([contextOf('acme')], {events}).store, 'acme')
    expect(view.events.recent.map((e) => e.detail.seats)).to.deep.equal([3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(view.events).to.deep.include({total: 12, inOutbox: 2})
    expect(view.events.recent.at(-1)).to.deep.include({delivered: false, deliveredAt: undefined})
    expect(view.products).to.deep.equal([{product: 'jira', ...contextOf('acme').products.jira}])
  })

  describe('on a terminal', () => {
    const event = (detailType: EventView['detailType'], delivered: boolean, detail: Partial<EventView['detail']> = {}): EventView => ({
      detailType,
      detail: {tenantId: 'globex-corporation', site: 'globex', contextVersion: 2, runId: RUN, ...detail},
      createdAt: '2026-12-02T09:37:08.605Z',
      delivered,
      ...(delivered ? {deliveredAt: '2026-12-02T09:37:09.506Z', eventBridgeId: '8f92415d-fc31-494e-87aa-9c06b113de76', eventBus: 'default'} : {}),
    })
    const licence = event('License Updated', false, {product: 'jira-service-management', seats: 250, licenceStatus: 'inactive'})
    const view: TenantView = {
      tenantId: 'globex-corporation',
      site: 'globex',
      residency: 'EU',
      status: 'active',
      version: 14,
      createdAt: '2026-12-02T09:37:08.570Z',
      updatedAt: '2026-12-02T10:01:00.000Z',
      provisionedBy: RUN,
      lastRunId: RUN,
      products: [
        {
          product: 'jira-service-management',
          state: 'suspended',
          seats: 250,
          licence: 'inactive',
          region: 'eu-central-1',
          shardId: 'jira-service-management-eu-central-1-shard-0042',
          database: 't_globex_corporation_jira_service_management',
        },
      ],
      apps: ['tempo', 'drawio'],
      features: [],
      configKeys: Array.from({length: 30}, (_, i) => `jira-service-management/setting-${i}`),
      events: {total: 12, inOutbox: 1, recent: [...Array.from({length: 9}, () => event('Product Activated', true, {product: 'jira', seats: 5})), licence]},
    }
    const lines = (text: string) => text.split('\n')

    it('shows a tenant, its products and its latest events within 100 columns, with the tenant id whole', () => {
      const text = renderTenant(view, 100)
      for (const line of lines(text)) expect(line.length, line).to.be.at.most(100)
      expect(lines(text)[0]).to.equal('Tenant globex-corporation, site globex: active; data pinned to EU (European Union).')
      expect(text).to.contain('Apps: tempo, drawio').and.to.contain('Features: none')
      expect(text).to.contain('The last 10 of 12 events: 1 in the outbox.')
      expect(text).to.match(/^Send what is in the outbox with "opsctl tenant events globex-corporation --deliver"\.$/m)
      expect(text).to.match(/^2026-12-02T09:37:08Z {2}License Updated +jira-service-\S*… +in the outbox$/m)
      expect(text).to.match(/^jira-service-\S*… +suspended +250 +inactive +eu-central-1 +jira-service-\S*… +t_globex_\S*…$/m)
    })

    it("shows the event log with each event's delivery, and the whole EventBridge id where there is room", () => {
      const log = {tenantId: 'globex-corporation', events: [event('Tenant Created', true), licence], inOutbox: 1}
      const narrow = renderEventLog(log, 100)
      for (const line of lines(narrow)) expect(line.length, line).to.be.at.most(100)
      expect(lines(renderEventLog(log, 160))[2]).to.match(
        /^2026-12-02T09:37:08Z {2}Tenant Created {2,}2026-12-02T09:37:09Z {2}8f92415d-fc31-494e-87aa-9c06b113de76$/,
      )
      expect(narrow).to.match(/^2026-12-02T09:37:08Z {2}Tenant Created {2,}2026-12-02T09:37:09Z {2}8f92415d-fc31-\S*…$/m)
      expect(narrow).to.match(/2 event\(s\): 1 in the outbox\.\nSend what is in the outbox with "opsctl tenant events globex-corporation --deliver"\.$/)
    })

    it('lists tenants within 100 columns, saying how many pages of the index a shard filter read', () => {
      const summary = {...view, residency: 'global'}
      const text = renderTenantList({tenants: [summary, {...summary, tenantId: 'acme'}], pages: 1}, 100)
      for (const line of lines(text)) expect(line.length, line).to.be.at.most(100)
      expect(text).to.match(/^globex-corporation {2}globex {2}active {2}global/m)
      expect(text).to.match(/2 tenants \(1 page of the byShard index read\)\.$/)
      expect(renderTenantList({tenants: []}, 100)).to.equal('No tenant matches.')
    })
  })

  it('commits one event schema per detail-type, each naming every product of the catalogue', () => {
    const dir = new URL('../../../schemas/', import.meta.url)
    expect(readdirSync(new URL('events/', dir)).sort()).to.deep.equal(eventTypes.map((t) => eventSchemaFile(t).replace('events/', '')).sort())
    for (const type of eventTypes) {
      const schema = JSON.parse(readFileSync(new URL(eventSchemaFile(type), dir), 'utf8'))
      expect(schema.properties['detail-type']).to.deep.equal({const: type})
      const product = schema.properties.detail.properties.product
      if (type.startsWith('Product') || type === 'License Updated') expect(product.enum).to.deep.equal(products.map((p) => p.id))
      else expect(product).to.equal(undefined)
    }
  })
})
