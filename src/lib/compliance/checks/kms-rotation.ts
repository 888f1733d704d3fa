import {supportsRotation} from '../inventory/kms.js'
import type {Check} from '../types.js'

export const kmsRotation: Check = {
  id: 'kms-rotation',
  title: 'Customer-managed KMS keys rotate automatically',
  service: 'kms',
  inventories: ['kms'],
  severity: 'medium',
  risk: 'A key that never rotates protects ever more data with the same key material, widening what one leaked key exposes.',
  remediation: {
    text: 'Turn on automatic rotation of the key (yearly by default; older data stays decryptable).',
    cli: 'aws kms enable-key-rotation --key-id <key-id>',
  },
  configRule: 'CMK_BACKING_KEY_ROTATION_ENABLED',
  prowlerId: 'kms_cmk_rotation_enabled',
  // Asymmetric, HMAC, imported, disabled and AWS-managed keys cannot rotate automatically: not judged.
  evaluate: ({kms}) =>
    kms.keys
      .filter((k) => supportsRotation(k.metadata))
      .map((k) => ({
        resource: {type: 'AWS::KMS::Key', id: k.metadata.KeyId!, arn: k.metadata.Arn, tags: k.tags},
        pass: k.rotationEnabled === true,
        reason: `KMS key ${k.metadata.KeyId} has automatic rotation ${k.rotationEnabled ? 'on' : 'off'}.`,
      })),
}
