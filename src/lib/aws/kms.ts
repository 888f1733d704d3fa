import type {KeyMetadata, KMSClient} from '@aws-sdk/client-kms'

import {NotFoundError, UsageError} from '../errors/errors.js'

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
