import {DescribeKeyCommand, InvalidArnException, type KeyMetadata, type KMSClient, NotFoundException} from '@aws-sdk/client-kms'

import {NotFoundError} from '../errors/errors.js'

/** The KMS key behind a key id, key ARN, alias name or alias ARN, or a usage error naming it and the region. */
export async function describeKmsKey(kms: KMSClient, keyId: string, abortSignal?: AbortSignal): Promise<KeyMetadata> {
  try {
    const {KeyMetadata} = await kms.send(new DescribeKeyCommand({KeyId: keyId}), {abortSignal})
    if (KeyMetadata) return KeyMetadata
  } catch (error) {
    if (!(error instanceof NotFoundException || error instanceof InvalidArnException)) throw error
  }
  const region = await kms.config.region()
  throw new NotFoundError(`No KMS key ${keyId} in ${region}; check the key id, ARN or alias with "aws kms list-aliases --region ${region}" or pass --region.`)
}
