import type {AwsSession} from '../../aws/session.js'
import {auroraSeeder} from './aurora.js'
import {cloudTrailSeeder} from './cloudtrail.js'
import {complianceSeeder} from './compliance.js'
import {ec2Seeder} from './ec2.js'
import {kmsSeeder} from './kms.js'
import {rdsSeeder} from './rds.js'
import type {SeededResource, Seeder} from './seeder.js'
import {tenantsSeeder} from './tenants.js'

/** The demo estate, seeded in this order (RDS uses the KMS seeder's key). Add new areas at the end. */
export const seeders: Seeder[] = [kmsSeeder, rdsSeeder, cloudTrailSeeder, ec2Seeder, auroraSeeder, complianceSeeder, tenantsSeeder]

/** Creates what is missing of the demo estate and lists every resource as created or existing. */
export async function seedDemoEstate(session: AwsSession, list: Seeder[] = seeders): Promise<SeededResource[]> {
  const resources: SeededResource[] = []
  for (const seeder of list) {
    await seeder.seed(session, {
      async ensure(type, id, find, create) {
        const found = await find()
        const resource = found === undefined ? await create() : found
        // A resource several areas build on (the demo VPC) is listed once: by the first area, which found or made it.
        if (!resources.some((r) => r.type === type && r.id === id))
          resources.push({seeder: seeder.name, type, id, status: found === undefined ? 'created' : 'existing'})
        return resource
      },
    })
  }
  return resources
}
