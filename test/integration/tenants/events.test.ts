import {EventBridgeClient, type PutEventsCommandInput, type PutEventsCommandOutput} from '@aws-sdk/client-eventbridge'
import type {InitializeMiddleware} from '@smithy/types'
import {expect} from 'chai'

import {silentReporter} from '../../../src/lib/engine/reporter.js'
import {runWorkflow} from '../../../src/lib/engine/runner.js'
import type {RunRecord} from '../../../src/lib/engine/types.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {eventDeliveryWorkflow} from '../../../src/lib/tenants/delivery.js'
import {eventLog} from '../../../src/lib/tenants/views.js'
import {VirtualClock} from '../../../src/lib/time/clock.js'
import {expectEventMatchesSchema} from '../../support/schema.js'
import {createShard, HOME_REGION, initTenantStore, openTestStore, provisionTenant, tenantEventQueue} from '../../support/tenants.js'

/**
 * An EventBridge client through which EventBridge takes only the first `taken` entries of all it is sent, and refuses
 * every later one per entry (FailedEntryCount, ThrottlingException), as it does when a bus is over its quota.
 */
function eventBridgeTakingOnly(taken: number): EventBridgeClient {
  const client = new EventBridgeClient({region: HOME_REGION})
  let left = taken
  const refuseAfterQuota: InitializeMiddleware<PutEventsCommandInput, PutEventsCommandOutput> = (next) => async (args) => {
    const entries = args.input.Entries ?? []
    const sent = entries.slice(0, left)
    left -= sent.length
    const answer = sent.length > 0 ? await next({...args, input: {...args.input, Entries: sent}}) : {output: {$metadata: {}, Entries: []}, response: {}}
    const refused = entries.slice(sent.length).map(() => ({ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded'}))
    return {...answer, output: {...answer.output, FailedEntryCount: refused.length, Entries: [...(answer.output.Entries ?? []), ...refused]}}
  }
  client.middlewareStack.add(refuseAfterQuota as InitializeMiddleware<object, PutEventsCommandOutput>, {step: 'initialize', name: 'refuseAfterQuota'})
  return client
}

/** An EventBridge client whose PutEvents calls after the first `answered` are refused outright (AccessDeniedException). */
function eventBridgeDenyingAfter(answered: number): EventBridgeClient {
  const client = new EventBridgeClient({region: HOME_REGION})
  let calls = 0
  const denyLater: InitializeMiddleware<PutEventsCommandInput, PutEventsCommandOutput> = (next) => async (args) => {
    if (++calls > answered) throw Object.assign(new Error('User is not authorized to perform: events:PutEvents'), {name: 'AccessDeniedException'})
    return next(args)
  }
  client.middlewareStack.add(denyLater as InitializeMiddleware<object, PutEventsCommandOutput>, {step: 'initialize', name: 'denyLater'})
  return client
}

/** A run of `opsctl tenant events acme --deliver` through `eventbridge` (resuming `resume`), on a clock that never waits. */
async function deliver(eventbridge: EventBridgeClient, resume?: RunRecord) {
  return runWorkflow({
    workflow: eventDeliveryWorkflow,
    context: {store: await openTestStore(), eventbridge, tenantId: 'acme', eventBus: 'default'},
    parameters: {tenantId: 'acme', eventBus: 'default'},
    resume,
    clock: new VirtualClock(),
    reporter: silentReporter,
  })
}

async function euEstate() {
  await createShard('jira-eu-1', 'jira', 'eu-central-1')
  await createShard('confluence-eu-1', 'confluence', 'eu-west-1')
  await initTenantStore()
}

describe('tenant events (against moto)', () => {
  it('delivers every event a provision raises exactly once, each matching its schema, and records the id EventBridge gave it', async () => {
    await euEstate()
    const queue = await tenantEventQueue()
    const run = await provisionTenant({tenantId: 'acme', site: 'acme-eu', products: ['jira', 'confluence'], residency: 'EU', seats: {jira: 50, confluence: 20}})

    const received = await queue.drain()
    for (const event of received) {
      expectEventMatchesSchema(event)
      expect(event.detail).to.deep.include({tenantId: 'acme', site: 'acme-eu', runId: run.runId})
      expect(event.resources).to.deep.equal(['opsctl:tenant/acme'])
    }
    expect(received.map((e) => [e['detail-type'], e.detail.product, e.detail.seats, e.detail.licenceStatus])).to.have.deep.members([
      ['Tenant Created', undefined, undefined, undefined],
      ['Product Activated', 'jira', 50, 'active'],
      ['Product Activated', 'confluence', 20, 'active'],
    ])

    const log = await eventLog(await openTestStore(), 'acme')
    expect(log.inOutbox).to.equal(0)
    expect(log.events.map((e) => e.eventBridgeId)).to.have.members(received.map((e) => e.id))
  })

  it('resumes a delivery EventBridge refused part of: the rest is sent, nothing twice, and a later delivery sends nothing', async () => {
    await euEstate()
    const queue = await tenantEventQueue()
    await provisionTenant({tenantId: 'acme', products: ['jira', 'confluence'], residency: 'EU'}, {deliver: false})

    const failed = await deliver(eventBridgeTakingOnly(1))
    expect(failed.exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(failed.record.error?.message).to.match(
      /^EventBridge refused 2 event\(s\) of tenant acme on bus default \(ThrottlingException: Rate exceeded\); they stay in the outbox/,
    )
    const first = await queue.drain()
    expect(first).to.have.length(1)
    expect((await eventLog(await openTestStore(), 'acme')).inOutbox).to.equal(2)

    const resumed = await deliver(new EventBridgeClient({region: HOME_REGION}), failed.record)
    expect(resumed.exitCode, resumed.record.error?.message).to.equal(ExitCode.Success)
    expect(resumed.record.outcome).to.deep.include({delivered: 2, alreadyDelivered: 1})
    const rest = await queue.drain()
    const all = [...first, ...rest]
    expect(all.map((e) => e['detail-type'])).to.have.members(['Tenant Created', 'Product Activated', 'Product Activated'])
    expect(new Set(all.map((e) => `${e['detail-type']} ${e.detail.product}`)).size).to.equal(3)
    for (const event of all) expectEventMatchesSchema(event)

    const again = await deliver(new EventBridgeClient({region: HOME_REGION}))
    expect(again.record.outcome).to.deep.include({delivered: 0, alreadyDelivered: 3})
    expect(await queue.drain()).to.deep.equal([])
    const log = await eventLog(await openTestStore(), 'acme')
    expect(log.inOutbox).to.equal(0)
    expect(log.events.map((e) => e.eventBridgeId)).to.have.members(all.map((e) => e.id))
  })
  it('sends more than ten events ten at a time, each batch recorded before the next: a failed second batch resends nothing of the first', async function () {
    this.timeout(60_000)
    const products = [
      'jira',
      'jira-service-management',
      'jira-product-discovery',
      'confluence',
      'compass',
      'atlas',
      'bitbucket',
      'trello',
      'opsgenie',
      'statuspage',
    ]
    for (const product of products) await createShard(`${product}-us-1`, product, 'us-east-1')
    await initTenantStore()
    const queue = await tenantEventQueue()
    await provisionTenant({tenantId: 'acme', products, near: 'us-east-1'}, {deliver: false})

    const failed = await deliver(eventBridgeDenyingAfter(1))
    expect(failed.exitCode).to.equal(ExitCode.WorkflowFailed)
    expect(failed.record.error?.message).to.contain('not authorized to perform: events:PutEvents')
    const first = await queue.drain()
    expect(first).to.have.length(10)
    expect((await eventLog(await openTestStore(), 'acme')).inOutbox).to.equal(1)

    const resumed = await deliver(new EventBridgeClient({region: HOME_REGION}), failed.record)
    expect(resumed.record.outcome).to.deep.include({delivered: 1, alreadyDelivered: 10})
    const all = [...first, ...(await queue.drain())]
    expect(new Set(all.map((e) => `${e['detail-type']} ${e.detail.product}`)).size).to.equal(11)
    expect(all).to.have.length(11)
  })
})
