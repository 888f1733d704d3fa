import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect} from 'chai'
import {DAY_MS} from '../../../src/lib/time/clock.js'
import {type CliResult, opsctl, parseJson} from '../../support/cli.js'
import {countOperations, createWrappingKey, dataKeyEstate, dataKeyItems, provisionTwoTenants, seedDataKeys} from '../../support/data-keys.js'
import {faultProxyInFrontOfMoto} from '../../support/fault-suite.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {initTenantStore} from '../../support/tenants.js'

/** Whatever a command printed holds none of the tenants' wrapped data keys (and no plaintext exists to print). */
async function expectNoKeyMaterial(...results: CliResult[]) {
  const blobs = [...(await dataKeyItems('acme')), ...(await dataKeyItems('globex'))].map((k) => k.wrappedKey)
  for (const result of results) for (const blob of blobs) expect(result.stdout + result.stderr).not.to.contain(blob)
  for (const result of results) expect(result.stdout + result.stderr).not.to.match(/plaintext"?\s*[:=]/i)
}

/** The run id of the rotation journalled in $OPSCTL_HOME. */
function rotationRunId(): string {
  const dir = join(process.env.OPSCTL_HOME!, 'runs')
  const runs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as {runId: string; workflow: string})
  return runs.find((r) => r.workflow === 'key-datakeys-rotate')!.runId
}

describe('opsctl key datakeys and key datakeys rotate (e2e against moto)', () => {
  beforeEach(async function () {
    this.timeout(60_000)
    await provisionTwoTenants()
  })

  it('lists data keys as a table and as JSON matching its schema, by tenant (a query) or all (a scan)', async () => {
    await countOperations('acme', 'jira', 7_000_000)
    const [table, json, tenant, over] = await Promise.all([
      opsctl(['key', 'datakeys']),
      opsctl(['key', 'datakeys', '--json']),
      opsctl(['key', 'datakeys', '--tenant', 'acme', '--product', 'jira', '--json']),
      opsctl(['key', 'datakeys', '--over-limit']),
    ])
    expect(table.code, table.stderr).to.equal(0)
    expect(table.stdout).to.match(/^acme +jira +1 +current +\d+[sm] +7,000,000 +operations over limit +[0-9a-f]{8}-[0-9a-f-]+…?$/m)
    expect(table.stdout).to.match(/^globex +jira +1 +current +\d+[sm] +0 +within limits +[0-9a-f]{8}-[0-9a-f-]+…?$/m)
    expect(table.stdout).to.contain('3 data key(s); 1 current one(s) past the limits (5,000,000 operations or 24h).\nRead with a scan of the table (1 page).')
    expectMatchesSchema(parseJson(json), 'key-datakeys')
    expect(parseJson(json).result.read).to.deep.equal({by: 'scan', pages: 1})
    expectMatchesSchema(parseJson(tenant), 'key-datakeys')
    expect(parseJson(tenant).result.read.by).to.equal('query')
    expect(parseJson(tenant).result.keys.map((k: {product: string}) => k.product)).to.deep.equal(['jira'])
    expect(over.stdout.split('\n').filter((l) => /^\S+ +\S+ +\d+ +current /.test(l))).to.have.length(1)
    for (const line of [...table.stdout.split('\n'), ...over.stdout.split('\n')]) expect(line.length, line).to.be.at.most(100)
    await expectNoKeyMaterial(table, json, tenant, over)
  })

  it('rotates the keys past a limit, dry run first (nothing changed), then for real, its JSON matching its schema', async () => {
    await countOperations('globex', 'jira', 5_000_000)
    const before = await dataKeyEstate()
    const plan = await opsctl(['key', 'datakeys', 'rotate', '--all', '--dry-run'])
    expect(plan.code, plan.stderr).to.equal(0)
    expect(plan.stdout).to.contain('A rotation would rotate 1 data key(s):\n  globex jira (version 1): 5,000,000 operations ≥ 5,000,000')
    expect(await dataKeyEstate()).to.deep.equal(before)
    const rotated = await opsctl(['key', 'datakeys', 'rotate', '--all', '--json'])
    expect(rotated.code, rotated.stderr).to.equal(0)
    expectMatchesSchema(parseJson(rotated), 'key-datakeys-rotate')
    expect(parseJson(rotated).result.outcome).to.deep.include({due: 1, rotated: 1, skipped: 0})
    const again = await opsctl(['key', 'datakeys', 'rotate', '--tenant', 'globex', '--max-age', '30m'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stdout).to.contain('No current data key is past its limits: nothing was rotated.')
    expect((await dataKeyEstate()).filter((k) => k.startsWith('globex'))).to.deep.equal([
      'globex DATAKEY#jira v2 current',
      'globex DATAKEY#jira#v0000000001 v1 decrypt-only',
    ])
    const listed = await opsctl(['key', 'datakeys', '--tenant', 'globex'])
    expect(listed.stdout).to.match(/^globex +jira +2 +current .*\n^globex +jira +1 +decrypt-only +\S+ +5,000,000 {2,}[0-9a-f]{8}-/m)
    await expectNoKeyMaterial(plan, rotated, again, listed)
  })

  for (const [args, message] of [
    [['--all', '--max-operations', '0'], 'Error: --max-operations "0" is not a count of at least 1;'],
    [['--all', '--max-operations', 'many'], 'Error: --max-operations "many" is not a count of at least 1;'],
    [['--all', '--max-age', '24 hours'], 'Error: --max-age "24 hours" is not an age; write a whole number of minutes, hours or days, like 30m, 24h or 7d.'],
    [['--all', '--max-age', '0h'], 'Error: --max-age "0h" is not an age;'],
    [[], 'Exactly one of the following must be provided: --all, --tenant'],
    [['--tenant', 'Not A Tenant'], 'Error: '],
  ] as const) {
    it(`refuses ${args.join(' ') || 'no --tenant or --all'} with exit 2 and changes nothing`, async () => {
      await countOperations('acme', 'jira', 9_000_000)
      const before = await dataKeyEstate()
      const result = await opsctl(['key', 'datakeys', 'rotate', ...args])
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr).to.contain(message)
      expect(result.stderr.trim().split('\n')).to.have.length.at.most(2)
      expect(await dataKeyEstate()).to.deep.equal(before)
    })
  }
})

describe('opsctl key datakeys rotate killed mid-way, then --resume (e2e)', function () {
  this.timeout(0)
  const faults = faultProxyInFrontOfMoto()
  afterEach(() => {
    faults.proxy.release()
    faults.proxy.clear()
  })

  it('leaves exactly one current key per tenant and product and loses none, rotating no key twice', async () => {
    await initTenantStore()
    const keyArn = await createWrappingKey()
    await seedDataKeys(120, {keyArn, createdAt: new Date(Date.now() - 2 * DAY_MS).toISOString(), prefix: 'bulk'})
    // A new key is made current, its answer lost, and the process killed right then (the other writes in flight with it
    // are applied and held too).
    faults.proxy.inject({operation: 'PutItem'}, 'hold-after', {times: Infinity})
    let pid = 0
    const promotion = faults.proxy.nextRequest({operation: 'PutItem'})
    const killed = opsctl(['key', 'datakeys', 'rotate', '--all'], {env: faults.env, onSpawn: (p) => (pid = p)})
    await promotion
    process.kill(pid, 'SIGKILL')
    expect((await killed).code).to.equal(null)
    faults.proxy.release()
    faults.proxy.clear()
    const halfway = await dataKeyEstate()
    // The first hundred old keys were kept decrypt-only before any new key was written; a few new keys are current.
    expect(halfway.filter((k) => k.endsWith('decrypt-only'))).to.have.length(100)
    expect(halfway.filter((k) => k.endsWith(' v2 current')).length).to.be.within(1, 8)
    const resumed = await opsctl(['key', 'datakeys', 'rotate', '--all', '--resume', rotationRunId(), '--json'], {env: faults.env})
    expect(resumed.code, resumed.stdout + resumed.stderr).to.equal(0)
    expectMatchesSchema(parseJson(resumed), 'key-datakeys-rotate')
    // The keys the killed attempt made current count as this run's: rotated once, not twice, not skipped.
    expect(parseJson(resumed).result.outcome).to.deep.include({due: 120, rotated: 120, skipped: 0})
    const estate = await dataKeyEstate()
    expect(estate.filter((k) => k.endsWith(' v2 current'))).to.have.length(120)
    expect(estate.filter((k) => k.endsWith(' v1 decrypt-only'))).to.have.length(120)
    expect(estate).to.have.length(240)
  })
})
