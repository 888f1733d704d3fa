import {RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {type AwsCall, withinCallScope} from '../../../src/lib/aws/call-log.js'
import type {AwsSession} from '../../../src/lib/aws/session.js'
import type {OpsctlError} from '../../../src/lib/errors/errors.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {assertEveryRegionRead, listShards, listTenants, tenantFilter} from '../../../src/lib/tenants/views.js'
import {testSession} from '../../support/aws.js'
import {createShard, initTenantStore, provisionTenant} from '../../support/tenants.js'

/** The session, except that RDS in `region` answers as in an opt-in region not enabled for the account. */
async function sessionWithout(region: string): Promise<AwsSession> {
  const session = await testSession()
  const disabled = session.inRegion(region)
  disabled.client(RDSClient).middlewareStack.add(
    () => async () => {
      throw Object.assign(new Error('The security token included in the request is invalid.'), {name: 'UnrecognizedClientException'})
    },
    {step: 'initialize', name: 'regionNotEnabled'},
  )
  return Object.assign(Object.create(session), {inRegion: (r: string) => (r === region ? disabled : session.inRegion(r))})
}

describe('reading tenants (against moto)', () => {
  it("lists a shard's tenants with one Query of the byShard index a page and one batch of contexts, never a Scan", async () => {
    await createShard('jira-eu-1', 'jira', 'eu-central-1')
    await createShard('jira-eu-2', 'jira', 'eu-central-1')
    const store = await initTenantStore()
    // The least-filled shard first: acme goes on jira-eu-1, globex on jira-eu-2, initech on jira-eu-1 again.
    for (const tenantId of ['acme', 'globex', 'initech']) await provisionTenant({tenantId, products: ['jira'], residency: 'EU'})

    const calls: AwsCall[] = []
    const listing = await withinCallScope({calls}, () => listTenants(store, tenantFilter({shard: 'jira-eu-1'})))
    expect(listing.tenants.map((t) => [t.tenantId, t.products[0].shardId])).to.deep.equal([
      ['acme', 'jira-eu-1'],
      ['initech', 'jira-eu-1'],
    ])
    expect(listing.pages).to.equal(1)
    expect(calls.map((c) => c.operation)).to.deep.equal(['Query', 'BatchGetItem'])
  })

  it('lists the shards of every location with their fill, and names a region it could not read without hiding the others', async () => {
    await createShard('jira-eu-1', 'jira', 'eu-central-1', 3)
    await createShard('confluence-us-1', 'confluence', 'us-east-1', 50)
    await createShard('jira-kr-1', 'jira', 'ap-northeast-2')
    const store = await initTenantStore()
    await provisionTenant({tenantId: 'acme', products: ['jira'], residency: 'DE'})

    const listing = await listShards(await sessionWithout('ap-northeast-2'), store, {})
    expect(listing.shards.map((s) => [s.id, s.region, s.locations.join('+'), s.tenants, s.capacity, s.hasRoom])).to.deep.equal([
      ['jira-eu-1', 'eu-central-1', 'EU+DE', 1, 3, true],
      ['confluence-us-1', 'us-east-1', 'US', 0, 50, true],
    ])
    expect(listing.unreadableRegions).to.deep.equal([{region: 'ap-northeast-2', reason: 'The security token included in the request is invalid.'}])
    const refusal = (() => {
      try {
        assertEveryRegionRead(listing)
      } catch (error) {
        return error as OpsctlError
      }
    })()
    expect(refusal?.exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(refusal?.message).to.match(
      /^Could not read the shards in ap-northeast-2 \(The security token included in the request is invalid\.\), so the list lacks them;/,
    )
    expect(refusal?.result).to.equal(listing)

    const onlyEu = await listShards(await testSession(), store, {location: 'EU', product: 'jira'})
    expect(onlyEu.regions).to.deep.equal(['eu-central-1', 'eu-west-1'])
    expect(onlyEu.shards.map((s) => s.id)).to.deep.equal(['jira-eu-1'])
  })
})
