import type {DBCluster, DBInstance} from '@aws-sdk/client-rds'

import {locationOf} from '../../tenants/catalogue.js'
import type {TenantContext} from '../../tenants/context.js'
import type {RegionInventory} from '../inventory/index.js'
import {clusterResource, instanceResource} from '../inventory/rds.js'
import type {Check, CheckContext, Verdict} from '../types.js'

/** The region of an RDS ARN (arn:aws:rds:<region>:…), or the scanned region for a bare identifier (a replica in the same region). */
const regionOfArn = (idOrArn: string, scanned: string) => (idOrArn.startsWith('arn:') ? idOrArn.split(':')[3] : scanned)

/** Every pinned tenant's products are in regions of its location (judged once, in the tenant store's home region). */
function tenantVerdicts(tenants: TenantContext[]): Verdict[] {
  return tenants.map((tenant) => {
    const allowed = locationOf(tenant.residency).regions
    const outside = Object.entries(tenant.products).filter(([, p]) => p.region && !allowed.includes(p.region))
    return {
      resource: {type: 'opsctl::Tenant', id: tenant.tenantId},
      pass: outside.length === 0,
      reason:
        outside.length === 0
          ? `Tenant ${tenant.tenantId} is pinned to ${tenant.residency} and every product of it is there.`
          : `Tenant ${tenant.tenantId} is pinned to ${tenant.residency} (${allowed.join(', ')}), but ${outside.map(([id, p]) => `${id} is in ${p.region}`).join(' and ')}.`,
    }
  })
}

/** A shard's copies: read replicas, and the regions its automated backups are replicated to. */
function copiesOf(shard: DBInstance | DBCluster, region: string): {what: string; region: string}[] {
  const replicas =
    'DBInstanceIdentifier' in shard ? ((shard as DBInstance).ReadReplicaDBInstanceIdentifiers ?? []) : ((shard as DBCluster).ReadReplicaIdentifiers ?? [])
  const backups =
    'DBInstanceIdentifier' in shard ? ((shard as DBInstance).DBInstanceAutomatedBackupsReplications ?? []).map((b) => b.DBInstanceAutomatedBackupsArn!) : []
  return [
    ...replicas.map((r) => ({what: `read replica ${r}`, region: regionOfArn(r, region)})),
    ...backups.map((b) => ({what: `automated-backup replication ${b}`, region: regionOfArn(b, region)})),
  ]
}

/** Every shard of this region that holds pinned tenants keeps its copies within the locations of all of them. */
function shardVerdicts({rds, tenants}: RegionInventory, region: string): Verdict[] {
  const shards: [DBInstance | DBCluster, string, Verdict['resource']][] = [
    ...rds.instances.map((i): [DBInstance, string, Verdict['resource']] => [i, i.DBInstanceIdentifier!, instanceResource(i)]),
    ...rds.clusters.map((c): [DBCluster, string, Verdict['resource']] => [c, c.DBClusterIdentifier!, clusterResource(c)]),
  ]
  return shards.flatMap(([shard, id, resource]) => {
    const pinned = tenants.pinnedByShard.get(id)
    if (!pinned) return []
    const outside = copiesOf(shard, region).filter((copy) => pinned.some((t) => !locationOf(t.residency).regions.includes(copy.region)))
    const holds = `holds tenants pinned to ${[...new Set(pinned.map((t) => t.residency))].join(', ')}`
    return [
      {
        resource,
        pass: outside.length === 0,
        reason:
          outside.length === 0
            ? `Shard ${id} ${holds}, and no copy of it leaves their locations.`
            : `Shard ${id} ${holds}, but its ${outside.map((c) => `${c.what} is in ${c.region}`).join(' and ')}.`,
      },
    ]
  })
}

export const tenantResidency: Check = {
  id: 'tenant-residency',
  title: "Pinned tenants' data stays in their location: products, shard replicas and backup copies",
  service: 'tenants',
  inventories: ['tenants', 'rds'],
  severity: 'critical',
  risk: "Data of a tenant pinned to a location (data residency) that sits, or is copied, outside it breaks the customer's contract and may break the law that made them ask for it.",
  remediation: {
    text: "Move the product to a shard in the tenant's location (opsctl tenant show lists where each product is); remove cross-location read replicas and backup replication of shards that hold pinned tenants.",
    cli: 'aws rds stop-db-instance-automated-backups-replication --source-db-instance-arn <shard-arn> --region <replica-region>',
  },
  evaluate: (inventory, context: CheckContext) => [
    ...(context.region === inventory.tenants.homeRegion ? tenantVerdicts(inventory.tenants.pinned) : []),
    ...shardVerdicts(inventory, context.region),
  ],
}
