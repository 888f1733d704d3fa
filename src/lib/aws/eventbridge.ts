import type {EventBridgeClient, PutEventsRequestEntry} from '@aws-sdk/client-eventbridge'

/** What EventBridge said of one entry: the id it gave the event, or why it refused it. */
export type EntryResult = {eventId: string} | {errorCode: string; errorMessage?: string}

/** PutEvents, ten entries a call (EventBridge's limit), each entry's own result in the order given (FailedEntryCount counts the refused). */
export async function putEvents(client: EventBridgeClient, entries: PutEventsRequestEntry[], abortSignal?: AbortSignal): Promise<EntryResult[]> {
  const {PutEventsCommand} = await import('@aws-sdk/client-eventbridge')
  const results: EntryResult[] = []
  for (let start = 0; start < entries.length; start += 10) {
    const batch = entries.slice(start, start + 10)
    const {Entries = []} = await client.send(new PutEventsCommand({Entries: batch}), {abortSignal})
    results.push(
      ...batch.map(
        (_, i): EntryResult =>
          Entries[i]?.EventId ? {eventId: Entries[i].EventId!} : {errorCode: Entries[i]?.ErrorCode ?? 'Unknown', errorMessage: Entries[i]?.ErrorMessage},
      ),
    )
  }
  return results
}
