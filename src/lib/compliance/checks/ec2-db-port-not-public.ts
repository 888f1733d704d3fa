import type {DBCluster, DBInstance} from '@aws-sdk/client-rds'

import type {RegionInventory} from '../inventory/index.js'
import {enginePort, openToInternet, securityGroupsOf, serverGroupIds, serverPort, serverResource} from '../inventory/network.js'
import {clusterResource, instanceResource, isClusterMember} from '../inventory/rds.js'
import type {Check, CheckedResource, Verdict} from '../types.js'

/** A database as the network sees it: what listens, on which port, behind which security groups. */
interface ListeningDatabase {
  what: string
  resource: CheckedResource
  port?: number
  groupIds: string[]
}

const groupIdsOf = (db: DBInstance | DBCluster) => (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId!)

/** DB instances that are not Aurora members (their cluster's port and groups are judged), clusters, and EC2 database servers. */
function listeningDatabases({rds, network}: RegionInventory): Required<ListeningDatabase>[] {
  const databases: ListeningDatabase[] = [
    ...rds.instances
      .filter((i) => !isClusterMember(i))
      .map((i) => ({
        what: `DB instance ${i.DBInstanceIdentifier}`,
        resource: instanceResource(i),
        port: i.Endpoint?.Port || i.DbInstancePort || enginePort(i.Engine),
        groupIds: groupIdsOf(i),
      })),
    ...rds.clusters.map((c) => ({
      what: `DB cluster ${c.DBClusterIdentifier}`,
      resource: clusterResource(c),
      port: c.Port || enginePort(c.Engine),
      groupIds: groupIdsOf(c),
    })),
    ...network.databaseServers.map((i) => ({
      what: `Database server ${i.InstanceId}`,
      resource: serverResource(i),
      port: serverPort(i),
      groupIds: serverGroupIds(i),
    })),
  ]
  // (AWS reports DbInstancePort 0 outside clusters; an instance still being created has no endpoint yet.)
  return databases.filter((db): db is Required<ListeningDatabase> => Boolean(db.port))
}

function verdict(db: Required<ListeningDatabase>, inventory: RegionInventory): Verdict {
  const groups = securityGroupsOf(inventory.network, db.groupIds)
  const openings = groups.flatMap((g) => openToInternet(g, db.port).map((rule) => `security group ${g.GroupId} allows ${rule}`))
  return {
    resource: db.resource,
    pass: openings.length === 0,
    reason:
      openings.length === 0
        ? `${db.what} is not open to the internet on its port ${db.port}.`
        : `${db.what} is open to the internet on its port ${db.port}: ${openings.join('; ')}.`,
  }
}

export const ec2DbPortNotPublic: Check = {
  id: 'ec2-db-port-not-public',
  title: "No security group opens a database's port to the internet",
  service: 'ec2',
  inventories: ['rds', 'network'],
  severity: 'critical',
  risk: "A database whose port any address on the internet may reach (0.0.0.0/0 or ::/0) can be scanned, brute-forced and hit by the engine's vulnerabilities; only the application servers should reach it.",
  remediation: {
    text: "Remove the inbound rule that opens the database's port to 0.0.0.0/0 or ::/0, and allow the application servers' security group instead.",
    cli: 'aws ec2 revoke-security-group-ingress --group-id <group-id> --ip-permissions IpProtocol=tcp,FromPort=<port>,ToPort=<port>,IpRanges=[{CidrIp=0.0.0.0/0}]',
  },
  // No AWS Config managed rule judges a database's own port (restricted-common-ports judges fixed ports of every group).
  // Prowler has one check per engine's port (…_tcp_port_mysql_3306, …_sql_server_1433_1434, …_oracle_1521_2483):
  // the platform's engine is PostgreSQL.
  prowlerId: 'ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432',
  evaluate: (inventory) => listeningDatabases(inventory).map((db) => verdict(db, inventory)),
}
