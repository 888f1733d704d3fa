import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {OpsctlError} from '../../lib/errors/errors.js'
import {ExitCode} from '../../lib/errors/exit-codes.js'
import {formatDiagnostic, type ValidationResult, validateFiles} from '../../lib/runbook/validate.js'

export default class RunbookValidate extends BaseCommand<typeof RunbookValidate> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'Check SSM Automation documents before SSM or opsctl runs them.'
  static override description =
    `Checks the top level (schemaVersion '0.3', parameters and their types, allowedValues, allowedPattern and defaults, variables, outputs, files), every step (name, one of the 23 Automation actions, the inputs each requires, outputs, maxAttempts, timeoutSeconds, onFailure, onCancel, isEnd, nextStep, isCritical) and the graph (duplicate names, jumps to unknown steps, unreachable steps, loops with no way out, {{ }} references to unknown parameters, variables, step outputs or automation variables, required inputs left empty).

An error is what SSM's CreateDocument would refuse or what cannot run. What SSM accepts but is doubtful is a warning: a default outside its own type, allowedValues or allowedPattern (SSM checks values when a run starts), an attachment without a sha256 checksum, onCancel on aws:loop or aws:updateVariable (SSM never uses it), an action found only in AWS-owned documents (aws:installDistributorPackageOnAzure, aws:putServerUpgradeMetrics), unknown fields, unreachable steps, a selector or allowedPattern opsctl cannot evaluate, a document above 64 KB. The forms of AWS's own documents are accepted: {{ }} that is not a reference ({{ print $2 }} in a command), selectors without $., outputs without Type (a String), Service in any case, PT0.5S, numbers written as "600" or '{{ Parameter }}', aws:approve with EnhancedApprovals, aws:executeScript in PowerShell without Handler, InstanceIds and Targets both given when one comes from a parameter.

Every problem is printed as file:line:column with how to fix it. Exit 2 when a document has errors; warnings fail only with --strict.`
  static override examples = [
    {description: 'Validate every document shipped in runbooks/ (what CI runs)', command: '<%= config.bin %> <%= command.id %> runbooks/'},
    {description: 'Fail on warnings too', command: '<%= config.bin %> <%= command.id %> runbooks/patch.yaml --strict'},
    {
      description: 'Check a copy of an AWS-owned document: its own forms pass, the doubtful ones are warnings',
      command: '<%= config.bin %> <%= command.id %> AWS-CreateSnapshot.json',
    },
    {description: 'As JSON, for editors and scripts', command: '<%= config.bin %> <%= command.id %> runbooks/ --json'},
  ]
  static override strict = false
  static override args = {
    path: Args.string({description: 'Document files (.yaml, .yml, .json) or directories of them', required: true}),
  }
  static override flags = {
    strict: Flags.boolean({description: 'Treat warnings as errors (exit 2).'}),
  }

  async run(): Promise<{documents: ValidationResult[]; errors: number; warnings: number}> {
    const {argv} = await this.parse(RunbookValidate)
    const paths = argv.map(String)
    const documents = await validateFiles(paths)
    const all = documents.flatMap((d) => d.diagnostics)
    const errors = all.filter((d) => d.severity === 'error').length
    const warnings = all.length - errors
    for (const diagnostic of all) this.say(formatDiagnostic(diagnostic))
    this.say(
      `${documents.length} document${documents.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
    )
    const result = {documents, errors, warnings}
    if (errors > 0 || (this.flags.strict && warnings > 0)) {
      const error = new OpsctlError(
        `${errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : `${warnings} warning${warnings === 1 ? '' : 's'} (--strict)`} in ${documents
          .filter((d) => d.diagnostics.length > 0)
          .map((d) => d.file)
          .join(', ')}; fix them as shown above.`,
        ExitCode.Usage,
        'InvalidRunbook',
      )
      error.result = result
      throw error
    }
    return result
  }
}
