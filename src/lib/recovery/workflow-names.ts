/**
 * The journal names of the recovery workflows. History commands read journals by these names and
 * import only this module, not the workflows (which load the AWS SDK).
 */
export const BACKUP_TEST_WORKFLOW = 'backup-test'
export const FAILOVER_DRILL_WORKFLOW = 'failover-drill'
