import {setMaxListeners} from 'node:events'

import type {KMSClient} from '@aws-sdk/client-kms'

import {newWrappedDataKey, regionOfKey} from '../aws/kms.js'
import {mapWithLimit} from '../aws/paginate.js'
import type {AwsSession} from '../aws/session.js'
import type {Step, StepIO, Workflow} from '../engine/types.js'
import {KEY_DATAKEYS_ROTATE_WORKFLOW} from '../engine/workflow-names.js'
import {type DataKeyRecord, decryptOnlyCopy, limitsPassed, type PassedLimit, successorPut, type UsageLimits, whyDue} from '../tenants/data-keys.js'
import type {TenantStore} from '../tenants/store.js'
import {readDataKeys} from './datakeys.js'

/*
 * `opsctl key datakeys rotate`: every current data key past a usage limit gets a successor, made by KMS under the
 * same KMS key and encryption context, wrapped only. The old key is first kept as a decrypt-only copy (batched), then
 * the successor becomes current by a conditional write, so a concurrent rotation cannot make two current keys: the
 * loser finds the key rotated already and counts it skipped. The store is the rotation's journal: a new key carries the run that made it, so a
 * resumed run re-reads each due key and neither rotates it twice nor loses one.
 */

export interface DataKeyRotateRequest {
  /** One tenant's keys; none: every tenant's (a scan). */
  tenantId?: string
  limits: UsageLimits
}

export interface DataKeyRotateContext {
  session: AwsSession
  store: TenantStore
  request: DataKeyRotateRequest
}

/** A current key past a limit, as found: what it is and why it is due, never its wrapped blob. */
export interface DueKey {
  tenantId: string
  product: string
  keyVersion: number
  keyArn: string
  operations: number
  createdAt: string
  limitsPassed: PassedLimit[]
  why: string
}

export interface RotatedKey {
  tenantId: string
  product: string
  fromVersion: number
  /** rotated: by this run; skipped: another rotation (or a purge) got there first. */
  result: 'rotated' | 'skipped'
  why: string
}

/** Keys re-read a call (BatchGetItem; their decrypt-only copies are written 25 a call within it), and rotated at once (KMS, then the store). */
const READ_BATCH = 100
const CONCURRENCY = 8

const dueOf = (key: DataKeyRecord, passed: PassedLimit[], limits: UsageLimits, now: number): DueKey => ({
  tenantId: key.tenantId,
  product: key.product,
  keyVersion: key.keyVersion,
  keyArn: key.keyArn,
  operations: key.operations,
  createdAt: key.createdAt,
  limitsPassed: passed,
  why: whyDue(key, passed, limits, now),
})

export const findDueKeysStep: Step<DataKeyRotateContext, {due: DueKey[]; read: {by: 'query' | 'scan'; pages: number}}> = {
  id: 'find-due-keys',
  title: 'Find the current data keys past their usage limits (operations or age)',
  actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
  mutates: false,
  async run({store, request}, io) {
    await store.assertReady(io.signal)
    if (request.tenantId) await store.require(request.tenantId, io.signal)
    const {keys, read} = await readDataKeys(store, {tenantId: request.tenantId}, (n) => io.progress(`${n} data keys read`), io.signal)
    const now = io.clock.now()
    const due = keys.flatMap((key) => {
      const passed = limitsPassed(key, request.limits, now)
      return passed.length > 0 ? [dueOf(key, passed, request.limits, now)] : []
    })
    return {due, read}
  },
}

export const rotateDueKeysStep: Step<DataKeyRotateContext, {keys: RotatedKey[]}> = {
  id: 'rotate-due-keys',
  title: 'Rotate each due key: the old one kept decrypt-only, then a new data key current by a conditional write',
  actions: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'kms:GenerateDataKeyWithoutPlaintext'],
  mutates: true,
  async run(ctx, io) {
    const {due} = io.outputOf(findDueKeysStep)!
    const rotation = new Rotation(ctx, io)
    for (let start = 0; start < due.length; start += READ_BATCH) {
      await rotation.rotate(due.slice(start, start + READ_BATCH))
      io.progress(`${Math.min(start + READ_BATCH, due.length)} of ${due.length} due data keys done`)
    }
    return {keys: rotation.results}
  },
}

/** One run's rotation of due keys, batch by batch: KMS clients by region, and what became of each key. */
class Rotation {
  readonly results: RotatedKey[] = []
  /** The keys this run kept decrypt-only copies of, as it read them. */
  private readonly kept = new Map<string, DataKeyRecord>()
  private readonly kms = new Map<string, Promise<KMSClient>>()

  constructor(
    private readonly ctx: DataKeyRotateContext,
    private readonly io: StepIO,
  ) {
    // Each KMS call in flight listens to the step's signal (a few listeners a call): not a leak.
    setMaxListeners(CONCURRENCY * 4, io.signal)
  }

  /** Re-reads the due keys (after a resume, or a concurrent rotation, some are done) and rotates those still due. */
  async rotate(due: DueKey[], attempt = 1): Promise<void> {
    const current = new Map((await this.ctx.store.currentDataKeys(due, this.io.signal)).map((key) => [refOf(key), key]))
    const pending: {due: DueKey; key: DataKeyRecord}[] = []
    const purged: DueKey[] = []
    for (const key of due) {
      const now = current.get(refOf(key))
      if (now && now.keyVersion === key.keyVersion && now.status === 'current') pending.push({due: key, key: now})
      // Made by this run before it was interrupted: rotated, by this run.
      else this.record(key, now?.keyVersion === key.keyVersion + 1 && now.runId === this.io.runId ? 'rotated' : 'skipped')
      if (!now && attempt > 1) purged.push(key)
    }
    // A product purged while this run rotated its key: the copy the run kept would outlive the crypto-shredding.
    if (purged.length > 0) await this.ctx.store.dropCopiesOfPurged(this.copiesOf(purged), this.io.signal)
    if (pending.length === 0) return
    const lost = await this.write(pending)
    // Lost to a concurrent change: read again, and most are found rotated (skipped); a key still due is tried again.
    if (lost.length > 0 && attempt < 3) await this.rotate(lost, attempt + 1)
    else for (const key of lost) this.record(key, 'skipped')
  }

  /**
   * The decrypt-only copies of the old keys first (batched: nothing is lost whatever happens next), then for each key
   * a new data key from KMS made current by a conditional write; returns the keys whose condition failed.
   */
  private async write(batch: {due: DueKey; key: DataKeyRecord}[]): Promise<DueKey[]> {
    const at = new Date(this.io.clock.now()).toISOString()
    for (const {key} of batch) this.kept.set(refOf(key), key)
    await this.ctx.store.keepDecryptOnly(
      batch.map(({key}) => decryptOnlyCopy(key, at, this.io.runId)),
      this.io.signal,
    )
    const won = await mapWithLimit(batch, CONCURRENCY, async ({key}) => {
      const wrapped = await newWrappedDataKey(await this.kmsFor(key.keyArn), key.keyArn, key.encryptionContext, this.io.signal)
      return this.ctx.store.putSuccessor(successorPut(this.ctx.store.table, key, wrapped, at, this.io.runId), this.io.signal)
    })
    for (const [i, {due}] of batch.entries()) if (won[i]) this.record(due, 'rotated')
    return batch.filter((_, i) => !won[i]).map(({due}) => due)
  }

  /** The decrypt-only copies this run may have kept of these keys (by key and wrapped key: see dropCopiesOfPurged). */
  private copiesOf(keys: DueKey[]): DataKeyRecord[] {
    return keys.flatMap((key) => {
      const kept = this.kept.get(refOf(key))
      return kept ? [decryptOnlyCopy(kept, '', this.io.runId)] : []
    })
  }

  private record(key: DueKey, result: RotatedKey['result']): void {
    this.results.push({tenantId: key.tenantId, product: key.product, fromVersion: key.keyVersion, result, why: key.why})
  }

  /** The KMS client of the key's region (a key ARN names it); one per region for the run. */
  private kmsFor(keyArn: string): Promise<KMSClient> {
    const region = regionOfKey(keyArn) ?? this.ctx.session.region
    if (!this.kms.has(region))
      this.kms.set(
        region,
        import('@aws-sdk/client-kms').then(({KMSClient}) => this.ctx.session.inRegion(region).client(KMSClient)),
      )
    return this.kms.get(region)!
  }
}

const refOf = (key: {tenantId: string; product: string}) => `${key.tenantId}/${key.product}`

export interface DataKeyRotateOutcome {
  due: number
  rotated: number
  skipped: number
  keys: RotatedKey[]
}

/** `opsctl key datakeys rotate`: nothing to undo (an old key stays decrypt-only, a new one is simply current). */
export const dataKeyRotateWorkflow: Workflow<DataKeyRotateContext, DataKeyRotateOutcome> = {
  name: KEY_DATAKEYS_ROTATE_WORKFLOW,
  steps: [findDueKeysStep, rotateDueKeysStep],
  outcome: (outputOf) => {
    const {keys} = outputOf(rotateDueKeysStep)!
    const rotated = keys.filter((k) => k.result === 'rotated').length
    return {due: keys.length, rotated, skipped: keys.length - rotated, keys}
  },
}
