import {expect} from 'chai'

import {type CliResult, opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {createShard, initTenantStore, provisionTenant} from '../../support/tenants.js'

const lines = (result: CliResult) => result.stdout.trimEnd().split('\n')

/** Every line within 100 columns, as a pipe gets them. */
const expectFitted = (result: CliResult) => {
  expect(result.code, result.stderr).to.equal(0)
  for (const line of lines(result)) expect(line.length, line).to.be.at.most(100)
}

describe('opsctl tenant show, list and shards (e2e against moto)', () => {
  it('shows a tenant within 100 columns, and as JSON that matches its schema', async () => {
    await createShard('jsm-eu-1', 'jira-service-management', 'eu-central-1')
    await createShard('confluence-eu-1', 'confluence', 'eu-west-1')
    await initTenantStore()
    const run = await provisionTenant({
      tenantId: 'acme',
      site: 'acme-eu',
      products: ['jira-service-management', 'confluence'],
      residency: 'EU',
      seats: {'jira-service-management': 50, confluence: 20},
      apps: ['tempo'],
    })

    const [shown, json] = await Promise.all([opsctl(['tenant', 'show', 'acme']), opsctl(['tenant', 'show', 'acme', '--json'])])
    expectFitted(shown)
    expect(lines(shown).slice(0, 5)).to.deep.equal([
      'Tenant acme, site acme-eu: active; data pinned to EU (European Union).',
      `Created ${json.stdout.match(/"createdAt": "([^"]+)"/)?.[1]} by run ${run.runId}.`,
      `Version 8, updated ${parseJson(json).result.updatedAt} by run ${run.runId}.`,
      'Apps: tempo',
      'Features: none',
    ])
    expect(shown.stdout).to.match(/^jira-servic\S*… +active +50 +active +eu-central-1 +jsm-eu-1 +t_acme_jira_service\S*$/m)
    expect(shown.stdout).to.match(/^confluence +active +20 +active +eu-west-1 +confluence-eu-1 +t_acme_confluence$/m)
    expect(shown.stdout).to.contain('3 event(s): every one delivered.')
    expect(shown.stdout).to.match(/^\S+Z {2}Tenant Created +\S+Z {2}[0-9a-f-]+…?$/m)

    const envelope = parseJson(json)
    expectMatchesSchema(envelope, 'tenant-show')
    expect(envelope.result).to.deep.include({tenantId: 'acme', site: 'acme-eu', residency: 'EU', status: 'active', lastRunId: run.runId})
    expect(envelope.result.products[1]).to.deep.equal({
      product: 'confluence',
      state: 'active',
      seats: 20,
      licence: 'active',
      region: 'eu-west-1',
      shardId: 'confluence-eu-1',
      database: 't_acme_confluence',
    })
    expect(envelope.result.events).to.deep.include({total: 3, inOutbox: 0})
  })

  it('lists tenants by shard through the index, saying how many pages it read, and by location, product and status', async () => {
    await createShard('jira-eu-1', 'jira', 'eu-central-1', 2)
    await createShard('jira-us-1', 'jira', 'us-east-1')
    await initTenantStore()
    await provisionTenant({tenantId: 'acme', products: ['jira'], residency: 'EU'})
    await provisionTenant({tenantId: 'globex', products: ['jira'], residency: 'US'})

    const [all, onShard, inUs, suspended, shards, shardsJson] = await Promise.all([
      opsctl(['tenant', 'list']),
      opsctl(['tenant', 'list', '--shard', 'jira-eu-1', '--json']),
      opsctl(['tenant', 'list', '--location', 'us', '--product', 'jira', '--json']),
      opsctl(['tenant', 'list', '--status', 'suspended']),
      opsctl(['tenant', 'shards', '--location', 'EU']),
      opsctl(['tenant', 'shards', '--product', 'jira', '--json']),
    ])
    expectFitted(all)
    expect(lines(all).slice(2)).to.deep.equal([
      'acme    acme    active  EU         jira (active)  eu-central-1',
      'globex  globex  active  US         jira (active)  us-east-1',
      '',
      '2 tenants.',
    ])
    const shardListing = parseJson(onShard)
    expectMatchesSchema(shardListing, 'tenant-list')
    expect(shardListing.result.pages).to.equal(1)
    expect(shardListing.result.tenants.map((t: {tenantId: string}) => t.tenantId)).to.deep.equal(['acme'])
    expect(parseJson(inUs).result.tenants.map((t: {tenantId: string}) => t.tenantId)).to.deep.equal(['globex'])
    expect(parseJson(inUs).result.pages).to.equal(undefined)
    expect(suspended.stdout.trim()).to.equal('No tenant matches.')

    expectFitted(shards)
    expect(lines(shards)).to.deep.equal([
      'SHARD      PRODUCT  KIND      REGION        LOCATIONS  TENANTS  STATUS',
      '---------  -------  --------  ------------  ---------  -------  ---------',
      'jira-eu-1  jira     instance  eu-central-1  EU, DE     1/2      available',
    ])
    const shardsEnvelope = parseJson(shardsJson)
    expectMatchesSchema(shardsEnvelope, 'tenant-shards')
    expect(shardsEnvelope.result.shards.map((s: {id: string; tenants: number}) => [s.id, s.tenants])).to.deep.equal([
      ['jira-eu-1', 1],
      ['jira-us-1', 1],
    ])
  })

  it('refuses a bad tenant id, an unknown tenant, a missing table and an unknown product, location or status: exit 2, one sentence', async () => {
    const noTable = 'Error: There is no tenant table opsctl-tenants in us-east-1; create it with "opsctl tenant init" (or pass --table / --home-region).'
    const refusals: [string[], string][] = [
      [
        ['tenant', 'show', 'Acme_Corp'],
        'Error: "Acme_Corp" is not a tenant id: use 2–63 lowercase letters, digits and hyphens, starting with a letter or digit.',
      ],
      [['tenant', 'events', 'x'], 'Error: "x" is not a tenant id: use 2–63 lowercase letters, digits and hyphens, starting with a letter or digit.'],
      [['tenant', 'show', 'acme'], noTable],
      [['tenant', 'list', '--shard', 'jira-eu-1'], noTable],
      [['tenant', 'events', 'acme', '--deliver'], noTable],
      [['tenant', 'shards'], noTable],
      [['tenant', 'list', '--product', 'jria'], 'Error: Unknown product "jria"; did you mean jira?'],
      [['tenant', 'shards', '--location', 'EUR'], 'Error: Unknown location "EUR"; the locations are US, EU, GB, DE, CH, AU, CA, IN, JP, SG, KR.'],
      [
        ['tenant', 'list', '--status', 'gone'],
        'Error: Unknown status "gone"; a tenant\'s status is provisioning, active, destroyed, a product\'s state pending, active, suspended, deactivated, destroyed.',
      ],
      [['tenant', 'events', 'acme', '--resume', '20261202T093708Z-8d0afd'], 'Error: --resume applies to a delivery run; add --deliver to send the outbox.'],
    ]
    const results = await Promise.all(refusals.map(([args]) => opsctl(args)))
    for (const [i, result] of results.entries()) {
      expect(result.code, refusals[i][0].join(' ')).to.equal(2)
      expect(result.stderr.trim(), refusals[i][0].join(' ')).to.equal(refusals[i][1])
      expect(result.stdout).to.equal('')
    }

    await initTenantStore()
    const unknown = await Promise.all([opsctl(['tenant', 'show', 'nobody']), opsctl(['tenant', 'events', 'nobody', '--deliver', '--json'])])
    expect(unknown.map((r) => r.code)).to.deep.equal([2, 2])
    expect(unknown[0].stderr.trim()).to.equal('Error: There is no tenant nobody in opsctl-tenants; see "opsctl tenant list".')
    expect(parseJson(unknown[1]).error).to.deep.equal({code: 'NotFound', message: 'There is no tenant nobody in opsctl-tenants; see "opsctl tenant list".'})
  })
})
