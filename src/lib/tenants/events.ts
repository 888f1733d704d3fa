import type {EventBridgeClient} from '@aws-sdk/client-eventbridge'

import {PUT_EVENTS_ENTRIES, putEvents} from '../aws/eventbridge.js'
import {OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {Clock} from '../time/clock.js'
import {eventSources, type TenantEvent, type TenantStore} from './store.js'

/** How often the entries EventBridge refused are sent again before the delivery gives up (they stay in the outbox). */
const DELIVERY_ROUNDS = 5

export interface Delivery {
  delivered: number
  /** Delivered by an earlier attempt (the outbox held them as sent). */
  alreadyDelivered: number
}

/**
 * Sends the tenant's undelivered events to EventBridge, oldest first, and records each delivery as EventBridge
 * confirms it. An entry EventBridge refuses (FailedEntryCount) is sent again, with a back-off, a few rounds; one
 * that still fails stays in the outbox and fails the delivery, for `--resume` or `opsctl tenant events --deliver`.
 * An event recorded as delivered is never sent again. (A crash between EventBridge's answer and the record is
 * the one window for a second send; every event carries its tenant, context version and run for consumers.)
 */
export async function deliverEvents(
  store: TenantStore,
  eventbridge: EventBridgeClient,
  bus: string,
  tenantId: string,
  io: {clock: Clock; signal: AbortSignal},
): Promise<Delivery> {
  const events = await store.events(tenantId, io.signal)
  const waiting = events.filter((e) => !e.deliveredAt)
  // One PutEvents batch at a time, each recorded before the next is sent: a failure later leaves no sent event unrecorded.
  for (let start = 0; start < waiting.length; start += PUT_EVENTS_ENTRIES) {
    await deliverBatch(store, eventbridge, {bus, tenantId}, waiting.slice(start, start + PUT_EVENTS_ENTRIES), io)
  }
  return {delivered: waiting.length, alreadyDelivered: events.length - waiting.length}
}

async function deliverBatch(
  store: TenantStore,
  eventbridge: EventBridgeClient,
  {bus, tenantId}: {bus: string; tenantId: string},
  batch: TenantEvent[],
  io: {clock: Clock; signal: AbortSignal},
): Promise<void> {
  let pending = batch
  for (let round = 1; pending.length > 0; round++) {
    const results = await putEvents(
      eventbridge,
      pending.map((e) => entryOf(e, bus)),
      io.signal,
    )
    const refused: TenantEvent[] = []
    for (const [i, result] of results.entries()) {
      if ('eventId' in result)
        await store.markDelivered(pending[i], {eventBridgeId: result.eventId, eventBus: bus, at: new Date(io.clock.now()).toISOString()}, io.signal)
      else refused.push(pending[i])
    }
    if (refused.length > 0 && round === DELIVERY_ROUNDS) {
      const reason = results.find((r) => 'errorCode' in r) as {errorCode: string; errorMessage?: string}
      throw new OpsctlError(
        `EventBridge refused ${refused.length} event(s) of tenant ${tenantId} on bus ${bus} (${reason.errorCode}${reason.errorMessage ? `: ${reason.errorMessage}` : ''}); they stay in the outbox: send them with "opsctl tenant events ${tenantId} --deliver".`,
        ExitCode.WorkflowFailed,
        'EventsNotDelivered',
      )
    }
    if (refused.length > 0) await io.clock.sleep(500 * 2 ** round, io.signal)
    pending = refused
  }
}

const entryOf = (event: TenantEvent, bus: string) => ({
  Source: eventSources.source,
  DetailType: event.detailType,
  Detail: JSON.stringify(event.detail),
  EventBusName: bus,
  Time: new Date(event.createdAt),
  Resources: [`opsctl:tenant/${event.detail.tenantId}`],
})
