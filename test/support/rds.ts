import {CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient} from '@aws-sdk/client-rds'

/** A PostgreSQL instance in moto, with the settings a tenant shard has unless overridden. */
export async function createDbInstance(id: string, overrides: Record<string, unknown> = {}): Promise<void> {
  const rds = new RDSClient({})
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      EngineVersion: '16.3',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'opsadmin',
      MasterUserPassword: 'not-a-real-password-1',
      BackupRetentionPeriod: 30,
      ...overrides,
    }),
  )
  rds.destroy()
}

/** An Aurora PostgreSQL cluster in moto; the first member is its writer. */
export async function createAuroraCluster(id: string, members: string[]): Promise<void> {
  const rds = new RDSClient({})
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: id,
      Engine: 'aurora-postgresql',
      EngineVersion: '16.4',
      MasterUsername: 'opsadmin',
      MasterUserPassword: 'not-a-real-password-1',
    }),
  )
  for (const member of members) {
    await rds.send(
      new CreateDBInstanceCommand({DBInstanceIdentifier: member, DBClusterIdentifier: id, Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large'}),
    )
  }
  rds.destroy()
}
