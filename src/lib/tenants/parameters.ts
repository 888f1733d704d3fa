import type {SSMClient} from '@aws-sdk/client-ssm'

import type {AwsSession} from '../aws/session.js'

/** Where a tenant's metadata and configuration live in Parameter Store, in each of its products' regions (services there read it locally). */
export const tenantParameterPath = (tenantId: string, product?: string) => `/opsctl/tenants/${tenantId}/${product ? `${product}/` : ''}`

/** Parameter Store of one region. */
export async function ssmIn(session: AwsSession, region: string): Promise<SSMClient> {
  const {SSMClient} = await import('@aws-sdk/client-ssm')
  return session.inRegion(region).client(SSMClient)
}
