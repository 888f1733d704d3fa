import type {StepIO} from '../engine/types.js'

/*
 * How far a patch run got with each instance, journalled (io.checkpoint) after every change of phase: a run killed in
 * the middle of a wave resumes with the first instance not finished, and an instance caught between its snapshot and
 * its verification is rolled back from that snapshot, by the undo or by the resumed run.
 */

export type InstanceResult = 'patched' | 'rolled-back' | 'failed' | 'not-needed' | 'skipped'

export interface InstanceProgress {
  instanceId: string
  region: string
  wave: number
  /** started: PostgreSQL may be stopped; snapshotted: its rollback point exists; done: it has a result. */
  phase: 'started' | 'snapshotted' | 'done'
  result?: InstanceResult
  /** Why it failed or was rolled back, in a few words. */
  reason?: string
  fromVersion?: string
  toVersion?: string
  /** Its data volume, and the snapshot taken of it before the upgrade. */
  volumeId?: string
  availabilityZone?: string
  volumeType?: string
  snapshotId?: string
  /** The volume restored from the snapshot that a rollback put in its place. */
  restoredVolumeId?: string
  /** The Automation execution that patches it (--engine ssm). */
  executionId?: string
  /** How many times an interrupt sent it back to be patched again (--engine ssm: each attempt is a new execution). */
  attempt?: number
  finishedAt?: string
  /** Put right after an interrupt (rolled back, or started again): a resumed run patches it again. */
  interrupted?: boolean
}

/** The execution SSM fans out to the other accounts and regions (--target-locations), once the waves here passed. */
export interface LocationsProgress {
  executionId: string
  region: string
  status?: string
  failure?: string
  children?: {executionId: string; target?: string; status: string; failure?: string}[]
}

export class PatchLedger {
  private readonly instances: Map<string, InstanceProgress>
  locations?: LocationsProgress

  constructor(private readonly io: Pick<StepIO, 'checkpoint' | 'checkpointed' | 'clock'>) {
    const earlier = (io.checkpointed?.instances ?? []) as InstanceProgress[]
    this.instances = new Map(earlier.map((p) => [p.instanceId, p]))
    this.locations = io.checkpointed?.locations as LocationsProgress | undefined
  }

  get(instanceId: string): InstanceProgress | undefined {
    return this.instances.get(instanceId)
  }

  /** Whether the instance has its result (one put right after an interrupt is patched again). */
  isDone(instanceId: string): boolean {
    const progress = this.instances.get(instanceId)
    return progress?.phase === 'done' && !progress.interrupted
  }

  /** Instances a wave began and did not finish (a kill, an interrupt): PostgreSQL may be stopped, a snapshot may exist. */
  unfinished(): InstanceProgress[] {
    return [...this.instances.values()].filter((p) => p.phase !== 'done')
  }

  all(): InstanceProgress[] {
    return [...this.instances.values()]
  }

  /**
   * A wave begins: each member is started, and the members are returned by region (each region's are patched
   * together). An instance put right after an interrupt counts one attempt more (see `attempt`).
   */
  async startWave(wave: number, members: readonly {instanceId: string; region: string; fromVersion?: string}[]): Promise<Map<string, string[]>> {
    const regions = new Map<string, string[]>()
    for (const {instanceId, region, fromVersion} of members) {
      regions.set(region, [...(regions.get(region) ?? []), instanceId])
      const earlier = this.instances.get(instanceId)
      this.start(instanceId, {region, wave, fromVersion, attempt: (earlier?.attempt ?? 0) + (earlier?.interrupted ? 1 : 0)})
    }
    await this.save()
    return regions
  }

  /** A patch of the instance begins (again, after an interrupt): what an earlier attempt knew of it is dropped. */
  start(instanceId: string, start: Pick<InstanceProgress, 'region' | 'wave' | 'fromVersion' | 'attempt'>): void {
    this.instances.set(instanceId, {...start, instanceId, phase: 'started'})
  }

  /** Changes what is known of an instance (journalled by `save`). */
  note(instanceId: string, change: Partial<InstanceProgress>): void {
    Object.assign(this.instances.get(instanceId)!, change)
  }

  /** The instance has its result. */
  finish(instanceId: string, result: InstanceResult, details: Partial<InstanceProgress> = {}): void {
    const progress = this.instances.get(instanceId)!
    Object.assign(progress, details, {phase: 'done', result, finishedAt: new Date(this.io.clock.now()).toISOString()})
  }

  save(): Promise<void> {
    return this.io.checkpoint({instances: this.all(), ...(this.locations ? {locations: this.locations} : {})})
  }
}
