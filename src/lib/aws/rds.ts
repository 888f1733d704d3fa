import type {DBInstance, RDSClient} from '@aws-sdk/client-rds'

import {NotFoundError, UsageError} from '../cli/errors.js'

const rdsIdentifier = /^[A-Za-z](?!.*--)[A-Za-z0-9-]*$/

function assertRdsIdentifier(kind: string, id: string, maxLength: number): string {
  if (id.length < 1 || id.length > maxLength || !rdsIdentifier.test(id) || id.endsWith('-')) {
    throw new UsageError(`"${id}" is not a valid ${kind} identifier: use 1–${maxLength} letters, digits and hyphens, starting with a letter, with no double or trailing hyphen.`, 'InvalidIdentifier')
  }
  return id
}

/** RDS naming rules, checked before any AWS call. */
export const assertDbInstanceIdentifier = (id: string) => assertRdsIdentifier('DB instance', id, 63)
export const assertDbSnapshotIdentifier = (id: string) => assertRdsIdentifier('DB snapshot', id, 255)
export const assertDbClusterIdentifier = (id: string) => assertRdsIdentifier('DB cluster', id, 63)

/** The DB instance, or a usage error naming it and the region. */
export async function describeDbInstance(rds: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBInstance> {
  // Loaded when first needed: commands that only validate identifiers (history, journals) never load the RDS client.
  const {DBInstanceNotFoundFault, DescribeDBInstancesCommand} = await import('@aws-sdk/client-rds')
  try {
    const {DBInstances} = await rds.send(new DescribeDBInstancesCommand({DBInstanceIdentifier: id}), {abortSignal})
    if (DBInstances?.[0]) return DBInstances[0]
  } catch (error) {
    if (!(error instanceof DBInstanceNotFoundFault)) throw error
  }
  throw new NotFoundError(`No DB instance named ${id} in ${await rds.config.region()}; check the name with "aws rds describe-db-instances" or pass --region.`)
}

/** The DB instance, or undefined when there is none of that name. */
export async function findDbInstance(rds: RDSClient, id: string, abortSignal?: AbortSignal): Promise<DBInstance | undefined> {
  return describeDbInstance(rds, id, abortSignal).catch((error) => {
    if (error instanceof NotFoundError) return undefined
    throw error
  })
}

export function tagValue(tags: {Key?: string; Value?: string}[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value
}
