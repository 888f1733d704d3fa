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

  it('fails (exit 1) to deliver to a bus that does not exist, and --resume once it does sends each event once', async () => {
    await tenantWithFullOutbox()

    const failed = await opsctl(['tenant', 'events', 'acme', '--deliver', '--event-bus', 'tenants'])
    expect(failed.code).to.equal(1)
    const runId = failed.stdout.match(/^tenant-deliver-events run (\S+)$/m)?.[1]
    expect(failed.stderr.trim()).to.match(
      /^Error: The events of tenant acme could not be delivered to bus tenants \(Event bus tenants does not exist\); .* See "opsctl runs show \S+"; resume with --resume \S+\.$/,
    )

    await new EventBridgeClient({region: HOME_REGION}).send(new CreateEventBusCommand({Name: 'tenants'}))
    const queue = await tenantEventQueue('tenants')
    const resumed = await opsctl(['tenant', 'events', 'acme', '--deliver', '--event-bus', 'tenants', '--resume', runId!])
    expect(resumed.code, resumed.stderr).to.equal(0)
    expect(resumed.stdout)
      .to.contain(`tenant-deliver-events run ${runId} (resumed)`)
      .and.to.contain('3 event(s) of tenant acme delivered to tenants (0 delivered before).')
    const received = await queue.drain()
    expect(received.map((e) => e['detail-type']).sort()).to.deep.equal(['Product Activated', 'Product Activated', 'Tenant Created'])
    for (const event of received) expectEventMatchesSchema(event)
  })
})
