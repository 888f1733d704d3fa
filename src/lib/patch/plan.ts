import {UsageError} from '../errors/errors.js'

/*
 * The plan of a fleet patch: a canary wave, then waves of a given size, where two servers of one database cluster
 * (tag opsctl:cluster) are never patched together. Pure: no AWS, no clock.
 */

/** A part of the fleet: a number of instances, or a percentage of the whole fleet (rounded up). */
export type FleetShare = {count: number} | {percent: number}
/** How many instances a wave patches at once (--wave, SSM's MaxConcurrency). */
export type WaveSize = FleetShare

/** One wave of the plan. `index` is its position in the plan: the canary wave, when there is one, is wave 0. */
export interface Wave {
  index: number
  canary: boolean
  /** In region, then instance id order. */
  instanceIds: string[]
}

/** What the plan needs to know of an instance (a FleetInstance of targets.ts has it). */
export interface WaveMember {
  instanceId: string
  region: string
  /** The opsctl:cluster tag: the instances of one database cluster. */
  cluster?: string
}

export interface WaveOptions {
  /** Instances of the canary wave; 0 means no canary. */
  canary: number
  wave: WaveSize
}

// A count fits SSM's MaxConcurrency and MaxErrors (at most 7 characters); a percentage is whole, as SSM wants it.
const SHARE_PATTERN = /^(\d{1,7})(%?)$/

function parseShare(text: string, least: 0 | 1): FleetShare | undefined {
  const match = SHARE_PATTERN.exec(text.trim())
  if (!match) return undefined
  const value = Number(match[1])
  if (value < least || (match[2] === '%' && value > 100)) return undefined
  return match[2] === '%' ? {percent: value} : {count: value}
}

/** A wave size as typed: a count of at least 1 (`10`) or a percentage of the fleet from 1% to 100% (`25%`). */
export function parseWaveSize(text: string, flag = '--wave'): WaveSize {
  const share = parseShare(text, 1)
  if (share) return share
  throw new UsageError(
    `${flag} "${text}" is not a wave size; give a number of instances of at least 1 or a percentage of the fleet from 1% to 100%, like 10 or 25%.`,
    'InvalidWaveSize',
  )
}

/** An error budget as typed: a count of 0 or more (`0`, `2`) or a percentage of the fleet from 0% to 100% (`10%`). */
export function parseMaxErrors(text: string, flag = '--max-errors'): FleetShare {
  const share = parseShare(text, 0)
  if (share) return share
  throw new UsageError(
    `${flag} "${text}" is not an error budget; give a number of instances (0 or more) or a percentage of the fleet, like 0, 2 or 10%.`,
    'InvalidMaxErrors',
  )
}

/** As SSM's MaxConcurrency and MaxErrors take it: `10`, `25%`. */
export const formatFleetShare = (share: FleetShare) => ('percent' in share ? `${share.percent}%` : String(share.count))

/** The number of instances a share of a fleet of `fleetSize` is: a percentage rounded up. */
export const instancesIn = (share: FleetShare, fleetSize: number) => ('percent' in share ? Math.ceil((fleetSize * share.percent) / 100) : share.count)

/**
 * The waves that patch a fleet: the canary wave first (`canary` instances), then waves of `wave` instances (a
 * percentage of the whole fleet, rounded up, at least 1). No wave holds two instances of one cluster, so a cluster of
 * k servers spreads over at least k waves; the clusters with the most servers still to patch go first, which ends the
 * plan in as few waves as the clusters allow. Deterministic (ties go to region, then instance id), and one sort and a
 * heap of clusters: n log n, never a pass over the fleet per wave.
 */
export function planWaves(instances: readonly WaveMember[], options: WaveOptions): Wave[] {
  if (!Number.isSafeInteger(options.canary) || options.canary < 0)
    throw new UsageError(`--canary ${options.canary} is not a number of instances; give 0 (no canary) or more.`, 'InvalidCanary')
  const queue = new ClusterQueue(instances)
  const size = Math.max(1, instancesIn(options.wave, instances.length))
  const waves: Wave[] = []
  if (options.canary > 0 && queue.left > 0) waves.push({index: 0, canary: true, instanceIds: queue.take(options.canary)})
  while (queue.left > 0) waves.push({index: waves.length, canary: false, instanceIds: queue.take(size)})
  return waves
}

const inFleetOrder = (a: WaveMember, b: WaveMember) => compare(a.region, b.region) || compare(a.instanceId, b.instanceId)
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The instances of one cluster not yet in a wave (an instance outside any cluster is a cluster of one). */
interface ClusterLeft {
  /** Positions in fleet order. */
  positions: number[]
  next: number
}

const leftIn = (c: ClusterLeft) => c.positions.length - c.next
/** The cluster with more instances left goes first; among equals, the one whose next instance comes first. */
const goesBefore = (a: ClusterLeft, b: ClusterLeft) => leftIn(a) > leftIn(b) || (leftIn(a) === leftIn(b) && a.positions[a.next] < b.positions[b.next])

/** The instances not yet in a wave, one heap entry per cluster, so a wave takes at most one instance of each. */
class ClusterQueue {
  private readonly ordered: WaveMember[]
  private readonly heap: ClusterLeft[] = []
  left: number

  constructor(instances: readonly WaveMember[]) {
    this.ordered = [...instances].sort(inFleetOrder)
    this.left = this.ordered.length
    const clusters = new Map<string, ClusterLeft>()
    const all: ClusterLeft[] = []
    this.ordered.forEach((instance, position) => {
      const cluster = instance.cluster == null ? undefined : clusters.get(instance.cluster)
      if (cluster) cluster.positions.push(position)
      else {
        const alone = {positions: [position], next: 0}
        if (instance.cluster != null) clusters.set(instance.cluster, alone)
        all.push(alone)
      }
    })
    // Into the heap only once every cluster is whole: its place depends on how many instances it has.
    for (const cluster of all) this.push(cluster)
  }

  /** Up to `count` instances, at most one of each cluster, in fleet order. */
  take(count: number): string[] {
    const taken: ClusterLeft[] = []
    while (taken.length < count && this.heap.length > 0) taken.push(this.pop())
    const positions = taken.map((cluster) => cluster.positions[cluster.next++])
    for (const cluster of taken) if (leftIn(cluster) > 0) this.push(cluster)
    this.left -= positions.length
    return positions.sort((a, b) => a - b).map((position) => this.ordered[position].instanceId)
  }

  private push(cluster: ClusterLeft): void {
    const heap = this.heap
    let i = heap.push(cluster) - 1
    while (i > 0 && goesBefore(heap[i], heap[(i - 1) >> 1])) {
      ;[heap[i], heap[(i - 1) >> 1]] = [heap[(i - 1) >> 1], heap[i]]
      i = (i - 1) >> 1
    }
  }

  private pop(): ClusterLeft {
    const heap = this.heap
    const first = heap[0]
    const last = heap.pop()!
    if (heap.length === 0) return first
    heap[0] = last
    for (let i = 0; ; ) {
      const [l, r] = [2 * i + 1, 2 * i + 2]
      let best = i
      if (l < heap.length && goesBefore(heap[l], heap[best])) best = l
      if (r < heap.length && goesBefore(heap[r], heap[best])) best = r
      if (best === i) return first
      ;[heap[i], heap[best]] = [heap[best], heap[i]]
      i = best
    }
  }
}
