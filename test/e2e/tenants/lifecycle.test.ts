import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {createShard, initTenantStore, openTestStore, provisionTenant} from '../../support/tenants.js'
import {onTerminal} from '../../support/terminal.js'

/** The lifecycle commands through the real CLI: --json against their schemas, one-sentence refusals, and destroy's typed confirmation on a terminal. */
describe('tenant lifecycle commands (e2e)', function () {
  this.timeout(120_000)

  beforeEach(async () => {
    await initTenantStore()
    await createShard('jira-eu-1', 'jira', 'eu-central-1', 5)
    await createShard('jsm-eu-1', 'jira-service-management', 'eu-central-1', 5)
    await provisionTenant({tenantId: 'acme', products: ['jira'], residency: 'EU', seats: {jira: 50}})
  })

  const json = async (args: string[], schema: string) => {
    const result = await opsctl([...args, '--json'])
    const envelope = parseJson(result)
    expect(envelope.status, `${args.join(' ')}: ${result.stderr}`).to.equal(0)
    expectMatchesSchema(envelope, schema)
    return envelope.result.outcome
  }

  it('changes products and licences, destroys, restores and purges, each --json matching its schema', async () => {
    expect(await json(['tenant', 'suspend', 'acme', '--product', 'jira'], 'tenant-suspend')).to.include({from: 'active', to: 'suspended', eventsDelivered: 1})
    expect(await json(['tenant', 'unsuspend', 'acme', '--product', 'jira'], 'tenant-unsuspend')).to.include({from: 'suspended', to: 'active'})
    expect(await json(['tenant', 'deactivate', 'acme', '--product', 'jira'], 'tenant-deactivate')).to.include({to: 'deactivated'})
    expect(await json(['tenant', 'activate', 'acme', '--product', 'jira'], 'tenant-activate')).to.include({from: 'deactivated', to: 'active'})
    expect(await json(['tenant', 'activate', 'acme', '--product', 'jira-service-management', '--seats', '9'], 'tenant-activate')).to.include({
      from: 'none',
      to: 'active',
      shardId: 'jsm-eu-1',
      region: 'eu-central-1',
    })
    const licence = await json(['tenant', 'license', 'acme', '--product', 'jira', '--seats', '70', '--inactive'], 'tenant-license')
    expect(licence).to.deep.include({seats: 70, licence: 'inactive', before: {seats: 50, licence: 'active'}})
    expect(await json(['tenant', 'destroy', 'acme', '--yes'], 'tenant-destroy')).to.include({seatsReleased: 2, eventsDelivered: 3})
    expect(await json(['tenant', 'restore', 'acme'], 'tenant-restore')).to.deep.include({products: {jira: 'active', 'jira-service-management': 'active'}})
    await json(['tenant', 'destroy', 'acme', '--yes', '--grace-days', '0'], 'tenant-destroy')
    const plan = await opsctl(['tenant', 'purge', '--dry-run'])
    expect(plan.stdout).to.match(/A purge would delete for good: acme \(site acme, 2 data key\(s\), grace period ended \S+\)\./)
    expect(await json(['tenant', 'purge', '--yes'], 'tenant-purge')).to.deep.equal({purged: [{tenantId: 'acme', parametersDeleted: 5, dataKeysDeleted: 2}]})

    const shown = await opsctl(['tenant', 'show', 'acme'])
    expect(shown.stdout).to.match(/Destroyed \S+ and purged \S+: its data keys/)
    expectMatchesSchema(parseJson(await opsctl(['tenant', 'show', 'acme', '--json'])), 'tenant-show')
  })

  it('says what changed in one line', async () => {
    const suspended = await opsctl(['tenant', 'suspend', 'acme', '--product', 'jira'])
    expect(suspended.code, suspended.stderr).to.equal(0)
    expect(suspended.stdout).to.match(/jira of tenant acme: active → suspended \(context version \d+\); 1 event\(s\) delivered to default \(run \S+\)\./)
    const licensed = await opsctl(['tenant', 'license', 'acme', '--product', 'jira', '--seats', '60'])
    expect(licensed.stdout).to.match(/jira of tenant acme: 50 → 60 seat\(s\), licence active \(context version \d+\)/)
  })

  for (const [what, args, message] of [
    ['an unknown product', ['tenant', 'suspend', 'acme', '--product', 'jirra'], /^Error: Unknown product "jirra"/],
    ['a tenant id that is not one', ['tenant', 'suspend', 'Acme!', '--product', 'jira'], /^Error: "Acme!" is not a tenant id/],
    ['a tenant that does not exist', ['tenant', 'deactivate', 'globex', '--product', 'jira'], /^Error: There is no tenant globex in opsctl-tenants/],
    [
      'an event bus that does not exist',
      ['tenant', 'suspend', 'acme', '--product', 'jira', '--event-bus', 'nosuch'],
      /^Error: There is no EventBridge bus nosuch in us-east-1/,
    ],
    ['seats below 1', ['tenant', 'license', 'acme', '--product', 'jira', '--seats', '0'], /^Error: --seats 0: seats are a whole number of at least 1\.$/],
    [
      'more seats than a product may have',
      ['tenant', 'license', 'acme', '--product', 'jira', '--seats', '99999999999'],
      /^Error: --seats 99999999999: a product has at most 1,000,000 seats\.$/,
    ],
    [
      'a 5,000-character tenant id, quoted shortened',
      ['tenant', 'suspend', 'x'.repeat(5000), '--product', 'jira'],
      /^Error: "x{59}…\(5002 characters\) is not a tenant id: .{0,200}$/,
    ],
    ['a grace period outside 0–365 days', ['tenant', 'destroy', 'acme', '--grace-days', '400', '--yes'], /^Error: --grace-days 400 is outside 0–365/],
    [
      'a destroy with no terminal to confirm on and no --yes',
      ['tenant', 'destroy', 'acme'],
      /^Error: Destroy tenant acme \(its products stop now; it can be restored for 30 day\(s\)\) needs confirmation and there is no terminal to ask on; pass --yes to proceed\.$/,
    ],
    [
      'a restore of a tenant that is not destroyed',
      ['tenant', 'restore', 'acme'],
      /^Error: Tenant acme is active, not destroyed: there is nothing to restore\.$/,
    ],
    ['a purge of a tenant that is not destroyed', ['tenant', 'purge', 'acme', '--yes'], /^Error: Tenant acme is active; destroy it first/],
  ] as const) {
    it(`refuses ${what} with exit 2, one sentence, and nothing changed`, async () => {
      const before = await (await openTestStore()).require('acme')
      const result = await opsctl([...args])
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr.trim().split('\n')).to.have.length(1)
      expect(result.stderr.trim()).to.match(message)
      expect(await (await openTestStore()).require('acme')).to.deep.equal(before)
    })
  }

  it('destroys on a terminal only when the tenant id is typed back', async () => {
    const wrong = onTerminal(['tenant', 'destroy', 'acme'])
    await wrong.waitFor('Type acme to confirm:')
    wrong.type('acne\r')
    expect(await wrong.exited).to.equal(2)
    expect(wrong.screen).to.contain('Cancelled: the answer was not acme; nothing was changed.')
    expect((await (await openTestStore()).require('acme')).status).to.equal('active')

    const right = onTerminal(['tenant', 'destroy', 'acme', '--grace-days', '7'])
    await right.waitFor('Type acme to confirm:')
    right.type('acme\r')
    expect(await right.exited, right.screen).to.equal(0)
    expect(right.screen).to.match(/Tenant acme is destroyed: 1 shard seat\(s\) given back/)
    expect((await (await openTestStore()).require('acme')).status).to.equal('destroyed')
  })
})
