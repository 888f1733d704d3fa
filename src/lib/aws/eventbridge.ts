import type {EventBridgeClient, PutEventsRequestEntry} from '@aws-sdk/client-eventbridge'

/** What EventBridge said of one entry: the id it gave the event, or why it refused it. */
export type EntryResult = {eventId: string} | {errorCode: string; errorMessage?: string}

/** The most entries one PutEvents call takes. */
export const PUT_EVENTS_ENTRIES = 10

/** One PutEvents call of at most PUT_EVENTS_ENTRIES entries: each entry's own result in the order given (FailedEntryCount counts the refused). */
export async function putEvents(client: EventBridgeClient, entries: PutEventsRequestEntry[], abortSignal?: AbortSignal): Promise<EntryResult[]> {
  if (entries.length > PUT_EVENTS_ENTRIES) throw new RangeError(`PutEvents takes at most ${PUT_EVENTS_ENTRIES} entries, not ${entries.length}`)
  const {PutEventsCommand} = await import('@aws-sdk/client-eventbridge')
  const {Entries = []} = await client.send(new PutEventsCommand({Entries: entries}), {abortSignal})
  return entries.map(
    (_, i): EntryResult =>
      Entries[i]?.EventId ? {eventId: Entries[i].EventId!} : {errorCode: Entries[i]?.ErrorCode ?? 'Unknown', errorMessage: Entries[i]?.ErrorMessage},
  )
}

/** Whether the event bus (a name or an ARN) exists where the client points. */
export async function eventBusExists(client: EventBridgeClient, bus: string, abortSignal?: AbortSignal): Promise<boolean> {
  const {DescribeEventBusCommand} = await import('@aws-sdk/client-eventbridge')
  try {
    await client.send(new DescribeEventBusCommand({Name: bus}), {abortSignal})
    return true
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false
    throw error
  }
}
