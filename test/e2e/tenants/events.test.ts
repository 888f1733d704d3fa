import {CreateEventBusCommand, EventBridgeClient} from '@aws-sdk/client-eventbridge'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {expectEventMatchesSchema, expectMatchesSchema} from '../../support/schema.js'
import {createShard, HOME_REGION, initTenantStore, provisionTenant, tenantEventQueue} from '../../support/tenants.js'

/** A tenant whose provision stopped before delivering its events (killed before its last step): three wait in the outbox. */
async function tenantWithFullOutbox() {
  await createShard('jira-eu-1', 'jira', 'eu-central-1')
  await createShard('confluence-eu-1', 'confluence', 'eu-central-1')
  await initTenantStore()
  await provisionTenant({tenantId: 'acme', products: ['jira', 'confluence'], residency: 'EU', seats: {jira: 50, confluence: 20}}, {deliver: false})
}

describe('opsctl tenant events (e2e against moto)', () => {
  it('shows what waits in the outbox, sends it with --deliver, and a second --deliver sends nothing', async () => {
    await tenantWithFullOutbox()
    const queue = await tenantEventQueue()

    const waiting = await opsctl(['tenant', 'events', 'acme'])
    expect(waiting.code, waiting.stderr).to.equal(0)
    expect(waiting.stdout).to.match(/^\S+Z {2}Product Activated {2}jira, 50 seats, .+ {2}in the outbox$/m)
    expect(waiting.stdout.trimEnd().split('\n').slice(-2)).to.deep.equal([
      '3 event(s): 3 in the outbox.',
      'Send what is in the outbox with "opsctl tenant events acme --deliver".',
    ])

    const delivered = await opsctl(['tenant', 'events', 'acme', '--deliver', '--json'])
    expect(delivered.code, delivered.stderr).to.equal(0)
    const envelope = parseJson(delivered)
    expectMatchesSchema(envelope, 'tenant-events')
    expect(envelope.result.run.outcome).to.deep.equal({delivered: 3, alreadyDelivered: 0, tenantId: 'acme', eventBus: 'default'})
    expect(envelope.result.inOutbox).to.equal(0)
    const received = await queue.drain()
    for (const event of received) expectEventMatchesSchema(event)
    expect(received.map((e) => e.id)).to.have.members(envelope.result.events.map((e: {eventBridgeId: string}) => e.eventBridgeId))

    const again = await opsctl(['tenant', 'events', 'acme', '--deliver'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stdout).to.contain('The outbox of tenant acme was empty: nothing was sent to default.')
    expect(again.stdout.trimEnd()).to.match(/3 event\(s\): every one delivered\.$/)
    expect(await queue.drain()).to.deep.equal([])
  })

  it('refuses (exit 2) a bus that does not exist before sending anything, and delivers once the bus is there', async () => {
    await tenantWithFullOutbox()

    const refused = await opsctl(['tenant', 'events', 'acme', '--deliver', '--event-bus', 'tenants'])
    expect(refused.code).to.equal(2)
    expect(refused.stderr.trim()).to.equal(
      'Error: There is no EventBridge bus tenants in us-east-1, where the tenant store is; create it ("aws events create-event-bus --name tenants --region us-east-1") or pass another --event-bus.',
    )

    await new EventBridgeClient({region: HOME_REGION}).send(new CreateEventBusCommand({Name: 'tenants'}))
    const queue = await tenantEventQueue('tenants')
    const delivered = await opsctl(['tenant', 'events', 'acme', '--deliver', '--event-bus', 'tenants'])
    expect(delivered.code, delivered.stderr).to.equal(0)
    expect(delivered.stdout).to.contain('3 event(s) of tenant acme delivered to tenants (0 delivered before).')
    const received = await queue.drain()
    expect(received.map((e) => e['detail-type']).sort()).to.deep.equal(['Product Activated', 'Product Activated', 'Tenant Created'])
    for (const event of received) expectEventMatchesSchema(event)
  })
})
