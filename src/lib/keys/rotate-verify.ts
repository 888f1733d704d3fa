import {randomBytes} from 'node:crypto'

import type {KMSClient} from '@aws-sdk/client-kms'

import {DECRYPT_REFUSALS, decryptUnder, describeKmsKey, encryptUnder, keyRotations, onDemandCount} from '../aws/kms.js'
import {mapWithLimit} from '../aws/paginate.js'
import type {Step, StepIO} from '../engine/types.js'
import {registerSecret} from '../secrets/secrets.js'
import type {TenantStore, WrappedDataKey} from '../tenants/store.js'
import type {KeyRotateContext} from './rotate-context.js'
import {checkedKeyArn} from './rotate-preflight.js'

type RotateStep<O extends object> = Step<KeyRotateContext, O>

/** Canaries encrypted under the key material before the rotation, each decrypted after it. */
const CANARY_COUNT = 3
const DECRYPTS_IN_FLIGHT = 8

/** A canary as the run keeps it: its ciphertext and encryption context only; its plaintext is never kept. */
export interface Canary {
  ciphertext: string
  encryptionContext: Record<string, string>
}

/** Which key material a key is on, as far as KMS (or the emulator) reports it. */
export interface KeyMaterial {
  /** DescribeKey CurrentKeyMaterialId: left out where the endpoint does not report it (moto, older KMS). */
  keyMaterialId?: string
  /** The latest entry of ListKeyRotations, if the key was ever rotated. */
  latestRotation?: {rotationDate?: string; rotationType?: string; keyMaterialId?: string}
  rotations: number
  onDemandRotations: number
}

export async function keyMaterialOf(kms: KMSClient, keyArn: string, signal: AbortSignal): Promise<KeyMaterial> {
  const key = await describeKmsKey(kms, keyArn, signal)
  const rotations = await keyRotations(kms, keyArn, signal)
  const latest = rotations.at(-1)
  return {
    keyMaterialId: key.CurrentKeyMaterialId,
    latestRotation: latest && {rotationDate: latest.RotationDate?.toISOString(), rotationType: latest.RotationType, keyMaterialId: latest.KeyMaterialId},
    rotations: rotations.length,
    onDemandRotations: onDemandCount(rotations),
  }
}

export const recordKeyMaterialStep: RotateStep<KeyMaterial> = {
  id: 'record-key-material',
  title: 'Record the key material before the rotation (current key material id, latest rotation)',
  actions: ['kms:DescribeKey', 'kms:ListKeyRotations'],
  mutates: false,
  run: (ctx, io) => keyMaterialOf(ctx.kms, checkedKeyArn(io), io.signal),
}

/** Bound to the run, so that a canary decrypts only as what it is. */
const canaryContext = (runId: string, canary: string) => ({'opsctl:run-id': runId, 'opsctl:purpose': 'key-rotate-canary', 'opsctl:canary': canary})

/** A random canary plaintext, registered as a secret the moment it exists. */
function newCanaryPlaintext(): Uint8Array {
  const plaintext = new Uint8Array(randomBytes(32))
  registerSecret(plaintext)
  return plaintext
}

export const encryptCanariesStep: RotateStep<{canaries: Canary[]}> = {
  id: 'encrypt-canaries',
  title: `Encrypt ${CANARY_COUNT} random canaries under the current key material (only their ciphertexts are kept)`,
  actions: ['kms:Encrypt'],
  mutates: false,
  async run(ctx, io) {
    const canaries: Canary[] = []
    for (let n = 1; n <= CANARY_COUNT; n++) {
      const encryptionContext = canaryContext(io.runId, `before-${n}`)
      canaries.push({ciphertext: await encryptUnder(ctx.kms, checkedKeyArn(io), newCanaryPlaintext(), encryptionContext, io.signal), encryptionContext})
    }
    return {canaries}
  },
}

/** A ciphertext to decrypt under the key: what it is (for messages), with its encryption context. */
interface Sealed {
  what: string
  ciphertext: string
  encryptionContext: Record<string, string>
  /** For a canary of this step: the plaintext it must decrypt to. */
  expected?: Uint8Array
}

/** Undefined when the ciphertext decrypts under the key (its plaintext dropped at once); otherwise why not. */
async function decryptionFailure(ctx: KeyRotateContext, io: StepIO, sealed: Sealed): Promise<string | undefined> {
  try {
    const plaintext = await decryptUnder(ctx.kms, checkedKeyArn(io), sealed.ciphertext, sealed.encryptionContext, io.signal)
    const same = sealed.expected === undefined || Buffer.compare(plaintext, sealed.expected) === 0
    return same ? undefined : `${sealed.what}: it decrypted to other bytes than were encrypted`
  } catch (error) {
    // KMS refusing the ciphertext is what this verifies; not reaching KMS fails the step instead.
    if (!DECRYPT_REFUSALS.has((error as Error).name)) throw error
    return `${sealed.what}: ${(error as Error).name}: ${(error as Error).message}`
  }
}

/** The tenants' wrapped data keys under the key; none when there is no tenant table. */
async function tenantDataKeysUnder(store: TenantStore, keyArn: string, signal: AbortSignal): Promise<WrappedDataKey[]> {
  try {
    return await store.dataKeysUnderKey(keyArn, signal)
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return []
    throw error
  }
}

/** How many of a kind of ciphertext decrypted, and why the others did not. */
export interface Decrypted {
  verified: number
  failures: string[]
}

const tally = (failures: (string | undefined)[]): Decrypted => ({
  verified: failures.filter((f) => f === undefined).length,
  failures: failures.filter((f) => f !== undefined),
})

export const verifyOldCiphertextsStep: RotateStep<{canaries: Decrypted; tenantDataKeys: Decrypted}> = {
  id: 'verify-old-ciphertexts',
  title: "Decrypt every canary made before the rotation and every tenant's wrapped data key under the key",
  actions: ['kms:Decrypt', 'dynamodb:Scan'],
  mutates: false,
  async run(ctx, io) {
    const {canaries} = io.outputOf(encryptCanariesStep)!
    const dataKeys = await tenantDataKeysUnder(ctx.store, checkedKeyArn(io), io.signal)
    io.progress(`decrypting ${canaries.length} canaries and ${dataKeys.length} tenant data keys`)
    const failuresOf = async (sealed: Sealed[]) => tally(await mapWithLimit(sealed, DECRYPTS_IN_FLIGHT, (one) => decryptionFailure(ctx, io, one)))
    return {
      canaries: await failuresOf(canaries.map((c) => ({...c, what: `canary ${c.encryptionContext['opsctl:canary']}`}))),
      tenantDataKeys: await failuresOf(
        dataKeys.map((k) => ({what: `data key of tenant ${k.tenantId} (${k.product})`, ciphertext: k.wrappedKey, encryptionContext: k.encryptionContext})),
      ),
    }
  },
}

export const newCanaryRoundTripStep: RotateStep<{roundTrip: boolean; failure?: string}> = {
  id: 'new-canary-round-trip',
  title: 'Encrypt a new canary under the new key material and decrypt it back',
  actions: ['kms:Encrypt', 'kms:Decrypt'],
  mutates: false,
  async run(ctx, io) {
    const expected = newCanaryPlaintext()
    const encryptionContext = canaryContext(io.runId, 'after')
    const ciphertext = await encryptUnder(ctx.kms, checkedKeyArn(io), expected, encryptionContext, io.signal)
    const failure = await decryptionFailure(ctx, io, {what: 'new canary', ciphertext, encryptionContext, expected})
    return {roundTrip: failure === undefined, failure}
  },
}
