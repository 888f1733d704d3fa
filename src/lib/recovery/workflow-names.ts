/**
 * The journal names of the recovery workflows. History commands read journals by these names and
 * import only this module, not the workflows (which load the AWS SDK).
 */
export const SNAPSHOT_CREATE_WORKFLOW = 'snapshot-create'
export const SNAPSHOT_RESTORE_WORKFLOW = 'snapshot-restore'
export const BACKUP_TEST_WORKFLOW = 'backup-test'
export const FAILOVER_DRILL_WORKFLOW = 'failover-drill'

export const recoveryWorkflows = [SNAPSHOT_CREATE_WORKFLOW, SNAPSHOT_RESTORE_WORKFLOW, BACKUP_TEST_WORKFLOW, FAILOVER_DRILL_WORKFLOW]
