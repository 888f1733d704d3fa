import {CreateDBInstanceCommand, RDSClient} from '@aws-sdk/client-rds'

/** A PostgreSQL instance in moto, with the settings a tenant shard has unless overridden. */
export async function createDbInstance(id: string, overrides: Record<string, unknown> = {}): Promise<void> {
  const rds = new RDSClient({})
  await rds.send(new CreateDBInstanceCommand({
    DBInstanceIdentifier: id,
    Engine: 'postgres',
    EngineVersion: '16.3',
    DBInstanceClass: 'db.t3.micro',
    AllocatedStorage: 20,
    MasterUsername: 'opsadmin',
    MasterUserPassword: 'not-a-real-password-1',
    BackupRetentionPeriod: 30,
    ...overrides,
  }))
  rds.destroy()
}
