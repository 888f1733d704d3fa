import type {KeyMetadata} from '@aws-sdk/client-kms'

import {keyRotationStatus, listKeyIds, rotationPeriodDays, supportsAutomaticRotation} from '../../aws/kms.js'
import {mapWithLimit} from '../../aws/paginate.js'
import {type CollectorContext, SERVICE_CONCURRENCY} from './collector.js'

export interface KmsKey {
  metadata: KeyMetadata
  /** Read only for keys that support automatic rotation. */
  rotationEnabled?: boolean
  /** Days between automatic rotations (RotationPeriodInDays), when rotation is on and KMS reports it. */
  rotationPeriodDays?: number
  tags?: Record<string, string>
}

export interface KmsInventory {
  keys: KmsKey[]
}

/** Automatic rotation exists only for enabled, symmetric, KMS-generated customer keys. */
export const supportsRotation = supportsAutomaticRotation

export async function collectKms({session, withTags}: CollectorContext): Promise<KmsInventory> {
  const {DescribeKeyCommand, KMSClient, ListResourceTagsCommand} = await import('@aws-sdk/client-kms')
  const client = session.client(KMSClient)
  const keyIds = await listKeyIds(client)
  const keys = await mapWithLimit(keyIds, SERVICE_CONCURRENCY, async (KeyId): Promise<KmsKey> => {
    const {KeyMetadata: metadata} = await client.send(new DescribeKeyCommand({KeyId}))
    const key: KmsKey = {metadata: metadata!}
    if (supportsRotation(key.metadata)) {
      const rotation = await keyRotationStatus(client, KeyId)
      key.rotationEnabled = rotation.KeyRotationEnabled ?? false
      const periodDays = rotationPeriodDays(rotation)
      if (periodDays !== undefined) key.rotationPeriodDays = periodDays
    }
    if (withTags && key.metadata.KeyManager === 'CUSTOMER') {
      const {Tags} = await client.send(new ListResourceTagsCommand({KeyId}))
      key.tags = Object.fromEntries((Tags ?? []).map((t) => [t.TagKey!, t.TagValue ?? '']))
    }
    return key
  })
  return {keys}
}
