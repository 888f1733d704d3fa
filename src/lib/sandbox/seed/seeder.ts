import type {AwsSession} from '../../aws/session.js'

export type SeedStatus = 'created' | 'existing'

export interface SeededResource {
  seeder: string
  type: string
  id: string
  status: SeedStatus
}

export interface SeedReport {
  /**
   * Returns the resource `find` finds (reported as existing), or else what `create` makes (reported as
   * created): every seeder is idempotent this way.
   */
  ensure<T>(type: string, id: string, find: () => Promise<T | undefined>, create: () => Promise<T>): Promise<T>
}

/** One area of the demo estate. */
export interface Seeder {
  name: string
  seed(session: AwsSession, report: SeedReport): Promise<void>
}

/** What `lookup` resolves to, or undefined when it fails with one of the `missing` errors (the SDK's "no such resource"). */
export async function unlessMissing<T>(lookup: Promise<T>, ...missing: (abstract new (...args: never[]) => Error)[]): Promise<T | undefined> {
  try {
    return await lookup
  } catch (error) {
    if (missing.some((kind) => error instanceof kind)) return undefined
    throw error
  }
}
