import type {SecretListEntry} from '@aws-sdk/client-secrets-manager'

import {collectPages} from '../../aws/paginate.js'
import {tagMap} from '../../aws/tags.js'
import type {CollectorContext} from './collector.js'

export interface SecretsInventory {
  /** What ListSecrets says of each secret (rotation, dates, tags, owning service): never a value. */
  secrets: SecretListEntry[]
}

/** One paginated ListSecrets per region: it answers every field the checks read, so no secret is described or read. */
export async function collectSecrets({session}: CollectorContext): Promise<SecretsInventory> {
  const {paginateListSecrets, SecretsManagerClient} = await import('@aws-sdk/client-secrets-manager')
  const client = session.client(SecretsManagerClient)
  return {secrets: await collectPages(paginateListSecrets({client}, {MaxResults: 100}), (p) => p.SecretList)}
}

export const secretResource = (s: SecretListEntry) => ({type: 'AWS::SecretsManager::Secret', id: s.Name!, arn: s.ARN, tags: tagMap(s.Tags)})

/** The tag that says which database a secret holds the credentials of (the sandbox seed tags its secrets so). */
export const DATABASE_SECRET_TAG = 'opsctl:database'
