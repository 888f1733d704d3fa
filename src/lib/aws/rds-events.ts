import {DescribeEventsCommand, type Event, type RDSClient, type SourceType} from '@aws-sdk/client-rds'

/** The RDS events of one source (a DB instance or cluster) since `since`, oldest first, every page. */
export async function describeRdsEventsSince(
  rds: RDSClient,
  source: {id: string; type: SourceType},
  since: Date,
  abortSignal?: AbortSignal,
): Promise<Event[]> {
  const events: Event[] = []
  let Marker: string | undefined
  do {
    const page = await rds.send(new DescribeEventsCommand({SourceIdentifier: source.id, SourceType: source.type, StartTime: since, Marker}), {abortSignal})
    events.push(...(page.Events ?? []))
    Marker = page.Marker
  } while (Marker)
  // Filtered here too: not every endpoint honours StartTime (moto returns the whole history).
  return events.filter((e) => e.Date && e.Date.getTime() >= since.getTime()).sort((a, b) => a.Date!.getTime() - b.Date!.getTime())
}
