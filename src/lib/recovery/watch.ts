import type {StepIO} from '../engine/types.js'
import {OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'

/** How to look at one kind of RDS resource while a run waits on it: DB instances and DB snapshots alike. */
export interface Watched<R> {
  kind: 'DB instance' | 'DB snapshot'
  id: string
  find(signal: AbortSignal): Promise<R | undefined>
  status(resource: R): string
  /** States it never leaves for the one awaited. */
  failed: ReadonlySet<string>
  /** Where to look when it fails or disappears. */
  events: string
  /** The progress line while it is not there yet (default: "<id> is <status>"). */
  progress?(resource: R): string
}

/** Polls until `done` says so; a resource that disappears or fails stops the wait with one sentence. */
export async function waitFor<R>(watched: Watched<R>, io: StepIO, pollIntervalMs: number, done: (resource: R | undefined) => boolean): Promise<R | undefined> {
  for (;;) {
    const resource = await watched.find(io.signal)
    if (done(resource)) return resource
    const name = `${watched.kind} ${watched.id}`
    if (!resource) throw new OpsctlError(`${name} disappeared while opsctl waited for it; ${watched.events}.`, ExitCode.WorkflowFailed, 'Disappeared')
    const status = watched.status(resource)
    if (watched.failed.has(status)) throw new OpsctlError(`${name} ended in status ${status}; ${watched.events}.`, ExitCode.WorkflowFailed, 'RestoreFailed')
    io.progress(watched.progress?.(resource) ?? `${watched.id} is ${status}`)
    await io.clock.sleep(pollIntervalMs, io.signal)
  }
}

/**
 * What an earlier attempt of this run made, to carry on with. Undefined when there is none, or when that
 * attempt's undo had begun to delete it: then once it is gone, so that it is made again.
 */
export async function earlierOfRun<R>(watched: Watched<R>, io: StepIO, pollIntervalMs: number): Promise<R | undefined> {
  const resource = await watched.find(io.signal)
  if (!resource || watched.status(resource) !== 'deleting') return resource
  io.progress(`${watched.id} is being deleted by the undo of an earlier attempt; waiting until it is gone`)
  await waitFor(watched, io, pollIntervalMs, (r) => !r)
  return undefined
}
