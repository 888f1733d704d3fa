/**
 * The instance tags through which the sandbox's SSM agent stand-in keeps what an SSM agent and Systems Manager
 * would know of a server: tags live in moto, so they outlast the CLI process that wrote them.
 */
export const STAND_IN_TAGS = {
  /** `managed`: the instance is an SSM managed instance, Online. */
  managed: 'opsctl:sandbox-ssm',
  /** The installed PostgreSQL version, which a version query prints and an upgrade changes. */
  version: 'opsctl:sandbox-postgresql-version',
  /** `upgrade`: every upgrade of PostgreSQL on the instance fails (so a rollback can be shown). */
  fail: 'opsctl:sandbox-fail',
  /** `on`: SSM Inventory reports the instance's applications (AWS:Application). */
  inventory: 'opsctl:sandbox-inventory',
  /** Patch Manager's counts for the instance, e.g. `Missing=2 Failed=0 InstalledPendingReboot=1`. */
  patchState: 'opsctl:sandbox-patch-state',
  /** Prefix of one tag per SSM Compliance item: `<prefix><compliance type>:<item id>`. */
  compliancePrefix: 'opsctl:sandbox-compliance:',
} as const
