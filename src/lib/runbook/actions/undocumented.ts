import type {ActionSpec} from '../action.js'

/**
 * Actions that AWS's own documents use but the public action reference does not list. opsctl knows nothing of
 * their inputs, outputs or calls: the validator warns and checks only their references, and only SSM runs them.
 */
export const undocumentedActions: ActionSpec[] = ['aws:installDistributorPackageOnAzure', 'aws:putServerUpgradeMetrics'].map((name) => ({
  name,
  requiredInputs: [],
  builtinOutputs: [],
  mutates: () => true,
  calls: () => [],
}))
