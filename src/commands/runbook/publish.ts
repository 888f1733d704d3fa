import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {UsageError} from '../../lib/errors/errors.js'
import {table} from '../../lib/report/format.js'
import {loadValidRunbook} from '../../lib/runbook/load.js'
import {type PublishedDocument, publishDocument} from '../../lib/runbook/ssm-engine.js'
import {runbookFiles} from '../../lib/runbook/validate.js'

export default class RunbookPublish extends BaseCommand<typeof RunbookPublish> {
  static override summary = 'Create or update SSM Automation documents from files.'
  static override description =
    'Each document is validated first (nothing is published if one is invalid), then created, or updated with a new default version when its content changed. An unchanged document gets no new version. The SSM document name is the file name without its extension.'
  static override examples = [
    {description: 'Publish every shipped runbook', command: '<%= config.bin %> <%= command.id %> runbooks/'},
    {
      description: 'Publish one document under another name',
      command: '<%= config.bin %> <%= command.id %> runbooks/opsctl-RestoreTest.yaml --name Platform-RestoreTest',
    },
  ]
  static override strict = false
  static override args = {
    path: Args.string({description: 'Document files or directories of them', required: true}),
  }
  static override flags = {
    name: Flags.string({description: 'SSM document name (one file only; default: the file name).'}),
  }

  async run(): Promise<{documents: PublishedDocument[]}> {
    const {argv} = await this.parse(RunbookPublish)
    const files = await runbookFiles(argv.map(String))
    if (this.flags.name && files.length > 1) throw new UsageError('--name applies to one document; publish the others without it.')
    const runbooks = []
    for (const file of files) runbooks.push(await loadValidRunbook(file))
    const session = await this.openAwsSession()
    const documents: PublishedDocument[] = []
    for (const runbook of runbooks) documents.push(await publishDocument(session, runbook, this.flags.name))
    this.say(
      table(
        ['DOCUMENT', 'VERSION', 'CHANGE', 'FILE'],
        documents.map((d) => [d.name, d.version, d.change, d.file]),
      ),
    )
    return {documents}
  }
}
