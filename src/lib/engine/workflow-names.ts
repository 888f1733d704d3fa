/**
 * The journal names of every workflow, in one place: the workflows take their names from here, and the
 * commands that read journals by name (histories, `runs list --workflow`) import only this module, not
 * the workflows (which load the AWS SDK).
 */
export const SNAPSHOT_CREATE_WORKFLOW = 'snapshot-create'
export const SNAPSHOT_RESTORE_WORKFLOW = 'snapshot-restore'
export const BACKUP_TEST_WORKFLOW = 'backup-test'
export const FAILOVER_DRILL_WORKFLOW = 'failover-drill'
export const TENANT_INIT_WORKFLOW = 'tenant-init'
export const TENANT_PROVISION_WORKFLOW = 'tenant-provision'
export const TENANT_DELIVER_EVENTS_WORKFLOW = 'tenant-deliver-events'
/** The lifecycle of tenants and their products, by command. */
export const TENANT_LIFECYCLE_WORKFLOWS = {
  activate: 'tenant-activate',
  suspend: 'tenant-suspend',
  unsuspend: 'tenant-unsuspend',
  deactivate: 'tenant-deactivate',
  license: 'tenant-license',
  destroy: 'tenant-destroy',
  restore: 'tenant-restore',
  purge: 'tenant-purge',
} as const
/** KMS keys and tenants' envelope data keys. */
export const KEY_ROTATE_WORKFLOW = 'key-rotate'
export const KEY_DATAKEYS_ROTATE_WORKFLOW = 'key-datakeys-rotate'
export const KEY_REENCRYPT_WORKFLOW = 'key-reencrypt'
/** Patching PostgreSQL fleets through SSM. */
export const PATCH_SCAN_WORKFLOW = 'patch-scan'
export const PATCH_RUN_WORKFLOW = 'patch-run'
export const PATCH_SCHEDULE_WORKFLOW = 'patch-schedule'

/** A runbook run is named after its document: runbook:opsctl-RestoreTest. */
export const runbookWorkflow = (documentName: string) => `runbook:${documentName}`
export const isRunbookWorkflow = (name: string) => name.startsWith('runbook:')

/** The workflows with a fixed name (runbook runs aside). */
export const workflowNames = [
  SNAPSHOT_CREATE_WORKFLOW,
  SNAPSHOT_RESTORE_WORKFLOW,
  BACKUP_TEST_WORKFLOW,
  FAILOVER_DRILL_WORKFLOW,
  TENANT_INIT_WORKFLOW,
  TENANT_PROVISION_WORKFLOW,
  TENANT_DELIVER_EVENTS_WORKFLOW,
  ...Object.values(TENANT_LIFECYCLE_WORKFLOWS),
  KEY_ROTATE_WORKFLOW,
  KEY_DATAKEYS_ROTATE_WORKFLOW,
  KEY_REENCRYPT_WORKFLOW,
  PATCH_SCAN_WORKFLOW,
  PATCH_RUN_WORKFLOW,
  PATCH_SCHEDULE_WORKFLOW,
]
