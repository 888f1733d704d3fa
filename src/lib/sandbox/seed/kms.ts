import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  type KeyMetadata,
  KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms'

import {type Seeder, unlessMissing} from './seeder.js'

export const SHARD_KEY_ALIAS = 'alias/opsctl-demo-shards'
export const LEGACY_KEY_ALIAS = 'alias/opsctl-demo-legacy'

const keys = [
  {alias: SHARD_KEY_ALIAS, rotation: true, description: 'opsctl demo: encrypts the tenant shards (rotated yearly)'},
  {alias: LEGACY_KEY_ALIAS, rotation: false, description: 'opsctl demo: legacy key without rotation'},
]

/** The key behind an alias, or undefined when the alias does not exist. */
export const findKeyByAlias = (kms: KMSClient, alias: string): Promise<KeyMetadata | undefined> =>
  unlessMissing(
    kms.send(new DescribeKeyCommand({KeyId: alias})).then((r) => r.KeyMetadata),
    NotFoundException,
  )

/** Customer managed keys: one with automatic rotation, one without. */
export const kmsSeeder: Seeder = {
  name: 'kms',
  async seed(session, report) {
    const kms = session.client(KMSClient)
    for (const key of keys) {
      await report.ensure(
        'kms-key',
        key.alias,
        () => findKeyByAlias(kms, key.alias),
        async () => {
          const {KeyMetadata} = await kms.send(
            new CreateKeyCommand({
              Description: key.description,
              Tags: [{TagKey: 'opsctl:role', TagValue: 'demo'}],
            }),
          )
          await kms.send(new CreateAliasCommand({AliasName: key.alias, TargetKeyId: KeyMetadata!.KeyId}))
          if (key.rotation) await kms.send(new EnableKeyRotationCommand({KeyId: KeyMetadata!.KeyId}))
          return KeyMetadata!
        },
      )
    }
  },
}
