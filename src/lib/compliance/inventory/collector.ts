import type {AwsSession} from '../../aws/session.js'

/** What a collector of one region's inventory gets. */
export interface CollectorContext {
  /** A session in the region being collected. */
  session: AwsSession
  /** The scan's own session, in its home region (where account-wide stores such as the tenant store live). */
  home: AwsSession
  region: string
  /**
   * Where account-wide resources (the IAM root user) are judged, once per scan: the home region when it is scanned,
   * otherwise the first region scanned. Collectors of such resources read nothing in the other regions.
   */
  accountRegion: string
  /** The scanned account, from STS; undefined when STS could not be reached. */
  accountId?: string
  /** Fetch tags that cost one call per resource only when the mutelist matches on tags. */
  withTags: boolean
  /** Shares one fetch between regions (a multi-region trail is seen from every region). */
  once<T>(key: string, fetch: () => Promise<T>): Promise<T>
}

/** Calls per service that may run at the same time: fast, yet below the API rate limits. */
export const SERVICE_CONCURRENCY = 8
