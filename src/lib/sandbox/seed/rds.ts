import {randomBytes} from 'node:crypto'

import {KMSClient} from '@aws-sdk/client-kms'
import {CreateDBInstanceCommand, CreateDBSnapshotCommand, RDSClient} from '@aws-sdk/client-rds'
import {findDbInstance, findDbSnapshot} from '../../aws/rds.js'
import {OpsctlError} from '../../errors/errors.js'
import {findKeyByAlias, SHARD_KEY_ALIAS} from './kms.js'
import type {Seeder} from './seeder.js'

export const TENANT_SHARDS = ['tenant-shard-001', 'tenant-shard-002']
export const NON_COMPLIANT_INSTANCE = 'legacy-reporting'
/** The manual snapshot the seed takes of each shard. */
export const baselineSnapshotId = (shard: string) => `${shard}-baseline`

const postgres = {
  Engine: 'postgres',
  EngineVersion: '16.3',
  DBInstanceClass: 'db.t3.micro',
  AllocatedStorage: 20,
  MasterUsername: 'opsadmin',
}

/** Tenant shards as the practices want them, one instance that breaks every rule, and a snapshot of each shard. */
export const rdsSeeder: Seeder = {
  name: 'rds',
  async seed(session, report) {
    const rds = session.client(RDSClient)
    const shardKey = await findKeyByAlias(session.client(KMSClient), SHARD_KEY_ALIAS)
    if (!shardKey) throw new OpsctlError(`KMS key ${SHARD_KEY_ALIAS} is missing, so the shards cannot be encrypted with it; run "opsctl sandbox seed" again.`)
    const create = (id: string, settings: Record<string, unknown>) => async () => {
      const {DBInstance} = await rds.send(
        new CreateDBInstanceCommand({
          ...postgres,
          DBInstanceIdentifier: id,
          // Nobody logs in to a sandbox database; the password only has to be valid, and is never shown.
          MasterUserPassword: randomBytes(18).toString('base64url'),
          ...settings,
        }),
      )
      return DBInstance!
    }
    for (const shard of TENANT_SHARDS) {
      await report.ensure(
        'rds-db-instance',
        shard,
        () => findDbInstance(rds, shard),
        create(shard, {
          MultiAZ: true,
          StorageEncrypted: true,
          KmsKeyId: shardKey.Arn,
          BackupRetentionPeriod: 30,
          DeletionProtection: true,
          PubliclyAccessible: false,
          Tags: [{Key: 'opsctl:role', Value: 'tenant-shard'}],
        }),
      )
    }
    await report.ensure(
      'rds-db-instance',
      NON_COMPLIANT_INSTANCE,
      () => findDbInstance(rds, NON_COMPLIANT_INSTANCE),
      create(NON_COMPLIANT_INSTANCE, {
        MultiAZ: false,
        StorageEncrypted: false,
        BackupRetentionPeriod: 1,
        DeletionProtection: false,
        PubliclyAccessible: true,
        Tags: [{Key: 'opsctl:role', Value: 'reporting'}],
      }),
    )
    for (const shard of TENANT_SHARDS) {
      const snapshotId = baselineSnapshotId(shard)
      await report.ensure(
        'rds-db-snapshot',
        snapshotId,
        () => findDbSnapshot(rds, snapshotId),
        async () => {
          const {DBSnapshot} = await rds.send(new CreateDBSnapshotCommand({DBInstanceIdentifier: shard, DBSnapshotIdentifier: snapshotId}))
          return DBSnapshot!
        },
      )
    }
  },
}
