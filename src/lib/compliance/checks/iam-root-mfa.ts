import {rootResource, rootUserName} from '../inventory/iam.js'
import type {Check} from '../types.js'

export const iamRootMfa: Check = {
  id: 'iam-root-mfa',
  title: 'The root user has MFA',
  service: 'iam',
  inventories: ['iam'],
  severity: 'critical',
  risk: 'The root user can do anything in the account, close it included: without MFA, its password alone is enough to take the account over.',
  remediation: {
    text: 'Sign in as the root user and assign it an MFA device (a hardware key or passkey), then keep the root user for the few tasks only it can do.',
    cli: 'aws iam get-account-summary --query SummaryMap.AccountMFAEnabled',
  },
  configRule: 'ROOT_ACCOUNT_MFA_ENABLED',
  prowlerId: 'iam_root_mfa_enabled',
  evaluate: ({iam}) =>
    iam.root
      ? [
          {
            resource: rootResource(iam.root),
            pass: iam.root.mfaActive,
            reason: `${rootUserName(iam.root)} ${iam.root.mfaActive ? 'has MFA active' : 'has no MFA device active'}.`,
          },
        ]
      : [],
}
