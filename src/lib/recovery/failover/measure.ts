import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {Event, RDSClient} from '@aws-sdk/client-rds'

import {type AlarmStates, describeAlarmStates} from '../../aws/alarms.js'
import {rdsEventsSince} from '../../aws/rds.js'
import type {StepIO} from '../../engine/types.js'
import type {DrillSubject, Placement} from './subject.js'

/** Polling starts at 1 s, the resolution the 60–120 s objective needs; past the target RTO it slows down. */
const pollIntervalMs = 1000
const slowPollIntervalMs = 5000

export interface Transition {
  at: string
  /** "status", the position kind ("availability zone", "writer", "role") or "alarm <name>". */
  subject: string
  from: string
  to: string
}

export interface DrillEvent {
  at: string
  message: string
  categories: string[]
}

export interface Measurement {
  requestedAt: string
  before: Placement
  after: Placement
  changed: boolean
  transitions: Transition[]
  events: DrillEvent[]
  failoverStartedAt?: string
  failoverCompletedAt?: string
  rtoFromEventsSeconds?: number
  /** The first observation that was not available; absent when the resource never looked unavailable. */
  firstUnavailableAt?: string
  recoveredAt: string
  /** From the first unavailable observation (or the request, when none was seen) to the recovered one. */
  rtoFromPollingSeconds: number
  rtoSeconds: number
  rtoSource: 'events' | 'polling'
  /** The longest interval between two observations: the resolution of the polling figure. */
  pollIntervalSeconds: number
  observations: number
}

export interface MeasureOptions {
  rds: RDSClient
  cloudwatch: CloudWatchClient
  /** RDS events are read from here on (the drill's start). */
  since: Date
  requestedAt: Date
  before: Placement
  targetRtoSeconds: number
  /** The alarms to watch, with their states before the failover. */
  alarms: AlarmStates
}

const seconds = (ms: number) => Math.round(ms / 100) / 10

/** How long to wait for a late "failover completed" event once the instance is available again. */
const eventGraceMs = 30_000
const eventRereadMs = 5000

/**
 * Polls the subject until it is available again after the failover (and, for a promotion, writable),
 * recording every change of status, position and alarm state; then reads the RDS events of the drill.
 * The step's timeout bounds the wait.
 */
export async function measureRecovery(subject: DrillSubject, options: MeasureOptions, io: StepIO): Promise<Measurement> {
  const requestedAt = options.requestedAt.getTime()
  const transitions: Transition[] = []
  const note = (at: number, what: string, from: string, to: string) => {
    if (from !== to) transitions.push({at: new Date(at).toISOString(), subject: what, from, to})
  }
  let previous = options.before
  let alarms = options.alarms
  let firstUnavailableAt: number | undefined
  let longestIntervalMs = pollIntervalMs
  let observations = 0
  for (;;) {
    const now = await subject.observe(io.signal)
    const at = io.clock.now()
    observations++
    note(at, 'status', previous.status, now.status)
    note(at, subject.positionKind, previous.position, now.position)
    previous = now
    if (Object.keys(alarms).length > 0) {
      const states = await describeAlarmStates(options.cloudwatch, Object.keys(alarms), io.signal)
      for (const [name, state] of Object.entries(states)) note(at, `alarm ${name}`, alarms[name], state)
      alarms = states
    }
    if (now.status !== 'available') firstUnavailableAt ??= at
    const changed = now.position !== options.before.position
    if (now.status === 'available' && (changed || (!subject.mustChange && firstUnavailableAt !== undefined))) {
      const measured = {...(await fromEvents()), ...summary(now, at, changed)}
      return {...measured, ...chosenRto(measured)}
    }
    const elapsedMs = at - requestedAt
    io.progress(`${subject.name} is ${now.status}, ${subject.positionKind} ${now.position} (${Math.round(elapsedMs / 1000)} s since the request)`)
    const intervalMs = elapsedMs < options.targetRtoSeconds * 1000 ? pollIntervalMs : slowPollIntervalMs
    longestIntervalMs = Math.max(longestIntervalMs, intervalMs)
    await io.clock.sleep(intervalMs, io.signal)
  }

  function summary(after: Placement, recoveredAt: number, changed: boolean) {
    const rtoFromPollingSeconds = seconds(recoveredAt - (firstUnavailableAt ?? requestedAt))
    return {
      requestedAt: options.requestedAt.toISOString(),
      before: options.before,
      after,
      changed,
      transitions,
      firstUnavailableAt: firstUnavailableAt === undefined ? undefined : new Date(firstUnavailableAt).toISOString(),
      recoveredAt: new Date(recoveredAt).toISOString(),
      rtoFromPollingSeconds,
      pollIntervalSeconds: longestIntervalMs / 1000,
      observations,
    }
  }

  async function fromEvents() {
    const read = async () => {
      const events = await rdsEventsSince(options.rds, subject.events, options.since, io.signal)
      const failover = events.filter(isFailoverEvent)
      const started = failover.find((e) => /start/i.test(e.Message ?? ''))
      const completed = started && failover.find((e) => /complete/i.test(e.Message ?? '') && e.Date! >= started.Date!)
      return {events, started, completed}
    }
    let seen = await read()
    // RDS publishes events a little after the fact: a failover that started but shows no completion yet gets a short grace.
    for (let waited = 0; seen.started && !seen.completed && waited < eventGraceMs; waited += eventRereadMs) {
      await io.clock.sleep(eventRereadMs, io.signal)
      seen = await read()
    }
    const {events, started, completed} = seen
    const rtoFromEventsSeconds = started && completed ? seconds(completed.Date!.getTime() - started.Date!.getTime()) : undefined
    return {
      events: events.map((e) => ({at: e.Date!.toISOString(), message: e.Message ?? '', categories: e.EventCategories ?? []})),
      failoverStartedAt: started?.Date?.toISOString(),
      failoverCompletedAt: completed?.Date?.toISOString(),
      rtoFromEventsSeconds,
    }
  }
}

/** Multi-AZ: "Multi-AZ instance failover started/completed."; Aurora: "Started cross AZ failover …", "Completed failover …". */
const isFailoverEvent = (e: Event) => (e.EventCategories ?? []).includes('failover') || /fail\s?over/i.test(e.Message ?? '')

/** The RTO the verdict uses: the event stream's when it has both ends, otherwise the polling figure. */
function chosenRto(m: Pick<Measurement, 'rtoFromEventsSeconds' | 'rtoFromPollingSeconds'>): {rtoSeconds: number; rtoSource: 'events' | 'polling'} {
  return m.rtoFromEventsSeconds === undefined
    ? {rtoSeconds: m.rtoFromPollingSeconds, rtoSource: 'polling'}
    : {rtoSeconds: m.rtoFromEventsSeconds, rtoSource: 'events'}
}
