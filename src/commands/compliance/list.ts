import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {commaList, selectChecks} from '../../lib/compliance/scan.js'
import {type Service, type Severity, services, severities} from '../../lib/compliance/types.js'
import {table} from '../../lib/report/format.js'

export interface CheckListing {
  id: string
  title: string
  service: Service
  severity: Severity
  risk: string
  remediation: {text: string; cli: string}
  configRule?: string
  prowlerId?: string
}

export default class ComplianceList extends BaseCommand<typeof ComplianceList> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'List every compliance check with its severity, AWS Config rule and Prowler check id.'
  static override description =
    'The ids are what --checks of "opsctl compliance check" and the check field of a mutelist take. With --json each check also carries its risk and remediation (a sentence and an AWS CLI command).'
  static override examples = [
    {description: 'All checks', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'The critical and high RDS checks, as JSON', command: '<%= config.bin %> <%= command.id %> --services rds --severity critical,high --json'},
  ]
  static override flags = {
    services: Flags.string({description: `Comma-separated services: ${services.join(', ')}.`}),
    severity: Flags.string({description: `Comma-separated severities: ${severities.join(', ')}.`}),
  }

  async run(): Promise<{checks: CheckListing[]}> {
    const chosen = selectChecks({services: commaList(this.flags.services), severities: commaList(this.flags.severity)})
    const listing = chosen.map(
      ({id, title, service, severity, risk, remediation, configRule, prowlerId}): CheckListing => ({
        id,
        title,
        service,
        severity,
        risk,
        remediation,
        ...(configRule ? {configRule} : {}),
        ...(prowlerId ? {prowlerId} : {}),
      }),
    )
    this.say(
      table(
        ['ID', 'SEVERITY', 'CONFIG RULE', 'PROWLER', 'TITLE'],
        listing.map((c) => [c.id, c.severity, c.configRule ?? '', c.prowlerId ?? '', c.title]),
      ),
    )
    return {checks: listing}
  }
}
