import {Args} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {loadValidRunbook, shippedRunbooksDir} from '../../lib/runbook/load.js'
import {derivePolicy, type IamPolicy} from '../../lib/runbook/plan.js'

export default class RunbookIam extends BaseCommand<typeof RunbookIam> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'Derive the least-privilege IAM policy a runbook needs.'
  static override description =
    'Every Service + Api pair of aws:executeAwsApi, aws:waitForAwsResourceProperty and aws:assertAwsResourceProperty, and the known calls behind aws:runCommand, aws:executeAutomation (including the nested document when it is in runbooks/), aws:createTags, aws:changeInstanceState and the other actions. Prints the policy document; calls that depend on {{ }} values or on scripts are listed as warnings.'
  static override examples = [
    {description: 'The policy for the automation role of the restore test', command: '<%= config.bin %> <%= command.id %> runbooks/opsctl-RestoreTest.yaml'},
    {
      description: 'Write it to a file for IaC',
      command: '<%= config.bin %> <%= command.id %> runbooks/opsctl-RestoreTest.yaml --json | jq .result.policy > restore-test-policy.json',
    },
  ]
  static override args = {
    file: Args.string({description: 'The document (.yaml, .yml or .json)', required: true}),
  }

  async run(): Promise<{file: string; policy: IamPolicy; actions: string[]; unresolved: string[]}> {
    const runbook = await loadValidRunbook(this.args.file)
    const {policy, actions, unresolved} = await derivePolicy(runbook, [shippedRunbooksDir])
    for (const item of unresolved) this.warn(`Not in the policy: ${item}; add what it needs by hand.`)
    this.say(JSON.stringify(policy, null, 2))
    return {file: this.args.file, policy, actions, unresolved}
  }
}
