import {DEFAULT_MAX_AGE, DEFAULT_MAX_OPERATIONS, limitsPassed, parseMaxAge, type UsageLimits, whyDue} from '../../tenants/data-keys.js'
import type {Check, CheckContext, Verdict} from '../types.js'

const defaultLimits: UsageLimits = {maxOperations: DEFAULT_MAX_OPERATIONS, maxAgeMs: parseMaxAge(DEFAULT_MAX_AGE)}

/** Every tenant's current data key is within its usage limits (judged once, in the tenant store's home region). */
function verdicts(keys: Parameters<Check['evaluate']>[0]['dataKeys']['current'], context: CheckContext): Verdict[] {
  const limits = context.dataKeyLimits ?? defaultLimits
  const now = context.now.getTime()
  return keys.map((key) => {
    const passed = limitsPassed(key, limits, now)
    const named = `The current ${key.product} data key of tenant ${key.tenantId} (version ${key.keyVersion}, under ${key.keyArn})`
    return {
      resource: {type: 'opsctl::TenantDataKey', id: `${key.tenantId}/${key.product}`},
      pass: passed.length === 0,
      reason:
        passed.length === 0
          ? `${named} is within its usage limits (${key.operations.toLocaleString('en-US')} operations).`
          : `${named} is past its usage limits: ${whyDue(key, passed, limits, now)}.`,
    }
  })
}

export const datakeyUsageLimits: Check = {
  id: 'datakey-usage-limits',
  title: "Tenants' envelope data keys rotate within their usage limits (operations or age, whichever comes first)",
  service: 'tenants',
  inventories: ['dataKeys'],
  severity: 'medium',
  risk: 'A data key used past its limits protects ever more data with one key: a leaked key exposes more, and encrypting too much under one AES-GCM key wears down its safety margin (random nonces collide).',
  remediation: {
    text: 'Rotate the data keys past their limits with "opsctl key datakeys rotate --all": a new current key from KMS, the old one kept decrypt-only, in one conditional write. The limits are --datakey-max-operations and --datakey-max-age (default 5000000 and 24h). By hand, the new wrapped key comes from:',
    cli: 'aws kms generate-data-key-without-plaintext --key-id <key-arn> --key-spec AES_256 --encryption-context tenant=<tenant>,product=<product>',
  },
  evaluate: ({dataKeys}, context) => (context.region === dataKeys.homeRegion ? verdicts(dataKeys.current, context) : []),
}
