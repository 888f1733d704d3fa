import type {GetKeyRotationStatusResponse, KeyMetadata, KMSClient, RotationsListEntry} from '@aws-sdk/client-kms'

import {NotFoundError, UsageError} from '../errors/errors.js'
import {registerSecret} from '../secrets/secrets.js'
import {collectPages} from './paginate.js'

/** The KMS key behind a key id, key ARN, alias name or alias ARN, or a usage error naming it and the region. */
export async function describeKmsKey(kms: KMSClient, keyId: string, abortSignal?: AbortSignal): Promise<KeyMetadata> {
  const {DescribeKeyCommand, InvalidArnException, NotFoundException} = await import('@aws-sdk/client-kms')
  try {
    const {KeyMetadata} = await kms.send(new DescribeKeyCommand({KeyId: keyId}), {abortSignal})
    if (KeyMetadata) return KeyMetadata
  } catch (error) {
    if (!(error instanceof NotFoundException || error instanceof InvalidArnException)) throw error
  }
  const region = await kms.config.region()
  throw new NotFoundError(`No KMS key ${keyId} in ${region}; check the key id, ARN or alias with "aws kms list-aliases --region ${region}" or pass --region.`)
}

/** The region a key ARN names (an alias or key id names none: the session's region is meant). */
export const regionOfKey = (key: string): string | undefined => (key.startsWith('arn:') ? key.split(':')[3] : undefined)

/** How a key is named in messages: as given, with its ARN when it was given otherwise. */
export const keyNamed = (given: string, key: KeyMetadata) => (key.Arn === given ? given : `${given} (${key.Arn})`)

/**
 * A key that data can be encrypted under (RDS storage, envelope data keys): enabled, and a symmetric
 * encryption key. Anything else is a usage error saying what the key is instead, who would encrypt with it
 * (RDS, opsctl) and which flag chose it.
 */
export async function assertEncryptionKey(kms: KMSClient, given: string, key: KeyMetadata, use: {by: string; flag: string}): Promise<void> {
  const {flag} = use
  if (key.KeyState !== 'Enabled') {
    throw new UsageError(
      `KMS key ${keyNamed(given, key)} is ${key.KeyState}, not Enabled, in ${await kms.config.region()}; enable it or choose another ${flag}.`,
      'KmsKeyNotEnabled',
    )
  }
  // KMS always reports both; emulators may leave out the defaults.
  const {KeySpec: spec = 'SYMMETRIC_DEFAULT', KeyUsage: usage = 'ENCRYPT_DECRYPT'} = key
  if (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT') {
    throw new UsageError(
      `KMS key ${keyNamed(given, key)} is a ${spec} key for ${usage}, but ${use.by} encrypts only with symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT); choose another ${flag}.`,
      'KmsKeyNotUsable',
    )
  }
}

/** Whether a key id or ARN that a resource reports is the given key (a user may have named it by an alias). */
export const isKey = (reported: string | undefined, key: Pick<KeyMetadata, 'Arn' | 'KeyId'>) =>
  reported !== undefined && [key.Arn, key.KeyId].includes(reported)

/** Automatic rotation exists only for enabled, symmetric, KMS-generated customer keys. */
export const supportsAutomaticRotation = (key: KeyMetadata) =>
  key.KeyManager === 'CUSTOMER' && key.KeyState === 'Enabled' && key.KeySpec === 'SYMMETRIC_DEFAULT' && key.Origin === 'AWS_KMS'

/** The automatic rotation periods KMS accepts, and the one it uses when none is chosen (RotationPeriodInDays). */
export const ROTATION_PERIOD_DAYS = {min: 90, max: 2560, default: 365} as const
/** The on-demand rotations KMS allows a key over its lifetime (a service quota). */
export const ON_DEMAND_ROTATION_LIMIT = 25

/** Days between automatic rotations, when rotation is on. */
export const rotationPeriodDays = (status: GetKeyRotationStatusResponse) =>
  // KMS reports the period whenever rotation is on; an emulator that leaves it out means the default.
  status.KeyRotationEnabled ? (status.RotationPeriodInDays ?? ROTATION_PERIOD_DAYS.default) : undefined

/** Every alias of the region by the id of the key it points at (aliases of no key are left out). */
export async function aliasesByKeyId(kms: KMSClient, abortSignal?: AbortSignal): Promise<Map<string, string[]>> {
  const {paginateListAliases} = await import('@aws-sdk/client-kms')
  const byKey = new Map<string, string[]>()
  for await (const page of paginateListAliases({client: kms}, {}, {abortSignal})) {
    for (const {AliasName, TargetKeyId} of page.Aliases ?? []) {
      if (AliasName && TargetKeyId) byKey.set(TargetKeyId, [...(byKey.get(TargetKeyId) ?? []), AliasName])
    }
  }
  return byKey
}

/** Every key id of the region (ListKeys, every page). */
export async function listKeyIds(kms: KMSClient, abortSignal?: AbortSignal): Promise<string[]> {
  const {paginateListKeys} = await import('@aws-sdk/client-kms')
  return (await collectPages(paginateListKeys({client: kms}, {Limit: 1000}, {abortSignal}), (page) => page.Keys)).map((k) => k.KeyId!)
}

/**
 * A new envelope data key, wrapped under the KMS key and bound to the encryption context: only the wrapped key
 * exists (GenerateDataKeyWithoutPlaintext), so no plaintext key is ever in memory or written.
 */
export async function newWrappedDataKey(
  kms: KMSClient,
  keyId: string,
  encryptionContext: Record<string, string>,
  abortSignal?: AbortSignal,
): Promise<{wrappedKey: string; keyArn: string}> {
  const {GenerateDataKeyWithoutPlaintextCommand} = await import('@aws-sdk/client-kms')
  const {CiphertextBlob, KeyId} = await kms.send(
    new GenerateDataKeyWithoutPlaintextCommand({KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext}),
    {abortSignal},
  )
  return {wrappedKey: Buffer.from(CiphertextBlob!).toString('base64'), keyArn: KeyId!}
}

/**
 * A wrapped data key re-wrapped under another KMS key with ReEncrypt: the plaintext never leaves KMS. The same
 * encryption context binds it on both sides. Returns the new wrapped key (base64) and the ARN KMS wrapped it under.
 */
export async function reWrapDataKey(
  kms: KMSClient,
  wrapped: {wrappedKey: string; encryptionContext: Record<string, string>},
  destinationKeyId: string,
  abortSignal?: AbortSignal,
): Promise<{wrappedKey: string; keyArn: string}> {
  const {ReEncryptCommand} = await import('@aws-sdk/client-kms')
  const {CiphertextBlob, KeyId} = await kms.send(
    new ReEncryptCommand({
      CiphertextBlob: Buffer.from(wrapped.wrappedKey, 'base64'),
      SourceEncryptionContext: wrapped.encryptionContext,
      DestinationKeyId: destinationKeyId,
      DestinationEncryptionContext: wrapped.encryptionContext,
    }),
    {abortSignal},
  )
  return {wrappedKey: Buffer.from(CiphertextBlob!).toString('base64'), keyArn: KeyId!}
}

/**
 * Whether a ciphertext decrypts under the key with its encryption context: a refusal by KMS (wrong key, wrong context,
 * a disabled key) is false, any other failure throws. The plaintext is wiped at once, never returned or kept.
 */
export async function decryptsUnder(
  kms: KMSClient,
  ciphertext: {blob: string; encryptionContext: Record<string, string>},
  keyId: string,
  abortSignal?: AbortSignal,
): Promise<boolean> {
  try {
    ;(await decryptUnder(kms, keyId, ciphertext.blob, ciphertext.encryptionContext, abortSignal)).fill(0)
    return true
  } catch (error) {
    if (DECRYPT_REFUSALS.has((error as Error).name)) return false
    throw error
  }
}

/**
 * Whether opsctl may encrypt under the key and decrypt what it encrypted (a customer's own key in another account
 * included): a test encryption of a few random bytes, then its decryption; the bytes are never kept. The KMS error
 * that refused it, when one did.
 */
export async function probeKeyUse(kms: KMSClient, keyId: string, abortSignal?: AbortSignal): Promise<{usable: true} | {usable: false; reason: string}> {
  const {randomBytes} = await import('node:crypto')
  const encryptionContext = {purpose: 'opsctl-key-probe'}
  try {
    const blob = await encryptUnder(kms, keyId, randomBytes(16), encryptionContext, abortSignal)
    return (await decryptsUnder(kms, {blob, encryptionContext}, keyId, abortSignal))
      ? {usable: true}
      : {usable: false, reason: 'what it encrypted does not decrypt'}
  } catch (error) {
    if (abortSignal?.aborted) throw error
    return {usable: false, reason: `${(error as Error).name}: ${(error as Error).message}`}
  }
}

/** Every rotation of a key's material, oldest first (ListKeyRotations, all pages). */
export async function keyRotations(kms: KMSClient, keyId: string, abortSignal?: AbortSignal): Promise<RotationsListEntry[]> {
  const {paginateListKeyRotations} = await import('@aws-sdk/client-kms')
  const rotations = await collectPages(paginateListKeyRotations({client: kms}, {KeyId: keyId}, {abortSignal}), (page) => page.Rotations)
  return rotations.sort((a, b) => (a.RotationDate?.getTime() ?? 0) - (b.RotationDate?.getTime() ?? 0))
}

/** Whether automatic rotation is on and its period, the next automatic rotation, and an on-demand rotation under way (GetKeyRotationStatus). */
export async function keyRotationStatus(kms: KMSClient, keyId: string, abortSignal?: AbortSignal): Promise<GetKeyRotationStatusResponse> {
  const {GetKeyRotationStatusCommand} = await import('@aws-sdk/client-kms')
  return kms.send(new GetKeyRotationStatusCommand({KeyId: keyId}), {abortSignal})
}

/** Encrypts a plaintext under the key, bound to the encryption context: the ciphertext, base64. */
export async function encryptUnder(
  kms: KMSClient,
  keyId: string,
  plaintext: Uint8Array,
  encryptionContext: Record<string, string>,
  abortSignal?: AbortSignal,
): Promise<string> {
  const {EncryptCommand} = await import('@aws-sdk/client-kms')
  const {CiphertextBlob} = await kms.send(new EncryptCommand({KeyId: keyId, Plaintext: plaintext, EncryptionContext: encryptionContext}), {abortSignal})
  return Buffer.from(CiphertextBlob!).toString('base64')
}

/**
 * Decrypts a base64 ciphertext, which must be under the given key, with its encryption context. The plaintext is
 * registered as a secret before anything else sees it, so that it is masked wherever it might turn up.
 */
export async function decryptUnder(
  kms: KMSClient,
  keyId: string,
  ciphertext: string,
  encryptionContext: Record<string, string>,
  abortSignal?: AbortSignal,
): Promise<Uint8Array> {
  const {DecryptCommand} = await import('@aws-sdk/client-kms')
  const {Plaintext} = await kms.send(
    new DecryptCommand({KeyId: keyId, CiphertextBlob: Buffer.from(ciphertext, 'base64'), EncryptionContext: encryptionContext}),
    {abortSignal},
  )
  registerSecret(Plaintext)
  return Plaintext!
}

/** The errors with which KMS refuses to decrypt a ciphertext (as opposed to failing to answer). */
export const DECRYPT_REFUSALS = new Set([
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'AccessDeniedException',
  'KMSInvalidStateException',
  'DisabledException',
  'KeyUnavailableException',
  'InvalidKeyUsageException',
  'NotFoundException',
  'InvalidGrantTokenException',
])

/** Starts an on-demand rotation of the key's material (RotateKeyOnDemand); KMS finishes it in the background. */
export async function rotateKeyOnDemand(kms: KMSClient, keyId: string, abortSignal?: AbortSignal): Promise<void> {
  const {RotateKeyOnDemandCommand} = await import('@aws-sdk/client-kms')
  await kms.send(new RotateKeyOnDemandCommand({KeyId: keyId}), {abortSignal})
}

/** Turns automatic rotation on with the given period, or changes the period when it is on (EnableKeyRotation). */
export async function enableKeyRotation(kms: KMSClient, keyId: string, rotationPeriodInDays: number, abortSignal?: AbortSignal): Promise<void> {
  const {EnableKeyRotationCommand} = await import('@aws-sdk/client-kms')
  await kms.send(new EnableKeyRotationCommand({KeyId: keyId, RotationPeriodInDays: rotationPeriodInDays}), {abortSignal})
}

/** How many of the rotations were on demand (they count against the key's quota of on-demand rotations). */
export const onDemandCount = (rotations: RotationsListEntry[]) => rotations.filter((r) => r.RotationType === 'ON_DEMAND').length
