import {rootResource, rootUserName} from '../inventory/iam.js'
import type {Check} from '../types.js'

export const iamRootNoAccessKeys: Check = {
  id: 'iam-root-no-access-keys',
  title: 'The root user has no active access keys',
  service: 'iam',
  inventories: ['iam'],
  severity: 'critical',
  risk: 'A root access key is a long-lived secret with unrestricted power that no MFA protects and no policy can limit: leaked once, the whole account is lost.',
  remediation: {
    text: "Delete the root user's access keys (signed in as the root user, under Security credentials) and give automation IAM roles with temporary credentials instead.",
    cli: 'aws iam delete-access-key --access-key-id <root-access-key-id>',
  },
  configRule: 'IAM_ROOT_ACCESS_KEY_CHECK',
  prowlerId: 'iam_no_root_access_key',
  evaluate({iam}) {
    if (!iam.root) return []
    const active = iam.root.accessKeys.filter((k) => k.active).map((k) => k.slot)
    return [
      {
        resource: rootResource(iam.root),
        pass: active.length === 0,
        reason:
          active.length === 0
            ? `${rootUserName(iam.root)} has no active access key.`
            : `${rootUserName(iam.root)} has ${active.length === 1 ? 'an active access key' : 'two active access keys'} (${active.map((slot) => `key ${slot}`).join(' and ')}).`,
      },
    ]
  },
}
