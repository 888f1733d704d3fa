import {Flags} from '@oclif/core'

import {BaseCommand} from '../../../lib/cli/base-command.js'
import {dataKeyLimitFlags, usageLimitsOf} from '../../../lib/cli/datakey-flags.js'
import {openTenantStore, tenantStoreFlags} from '../../../lib/cli/tenant-flags.js'
import {type DataKeyListing, listDataKeys, renderDataKeys} from '../../../lib/keys/datakeys.js'
import {outputWidth} from '../../../lib/report/format.js'
import {productOf} from '../../../lib/tenants/catalogue.js'
import {assertTenantId} from '../../../lib/tenants/context.js'

export default class KeyDatakeys extends BaseCommand<typeof KeyDatakeys> {
  static override summary = "List tenants' envelope data keys with their usage: KMS key, version, age, operations, status, and which limit each is past."
  static override description =
    'A line per data key: its tenant and product, the KMS key it is wrapped under, its version, age and operations counted, its status (current, or decrypt-only: kept so that what it encrypted still decrypts) and, for a current key, which usage limit it is past (--max-operations, --max-age: whichever comes first). Never a key itself: no plaintext exists, and the wrapped blob is not shown. With --tenant the tenant\'s partition is queried; otherwise the whole table is scanned, page by page (--json says how many pages). --over-limit shows only the current keys past a limit, those "opsctl key datakeys rotate" would rotate. --json: schemas/key-datakeys.json.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: "One tenant's Jira keys", command: '<%= config.bin %> <%= command.id %> --tenant acme --product jira'},
    {
      description: 'The keys due for rotation under a 1-million-operation, 12-hour policy',
      command: '<%= config.bin %> <%= command.id %> --over-limit --max-operations 1000000 --max-age 12h',
    },
  ]
  static override flags = {
    ...tenantStoreFlags,
    tenant: Flags.string({description: "Only this tenant's keys (a query of its partition, not a scan)."}),
    product: Flags.string({description: 'Only the keys of this product, e.g. jira.'}),
    'over-limit': Flags.boolean({description: 'Only current keys past --max-operations or --max-age.'}),
    ...dataKeyLimitFlags,
  }

  async run(): Promise<DataKeyListing> {
    const {flags} = this
    const filter = {
      tenantId: flags.tenant === undefined ? undefined : assertTenantId(flags.tenant),
      product: flags.product === undefined ? undefined : productOf(flags.product).id,
      overLimit: flags['over-limit'],
      limits: usageLimitsOf(flags),
    }
    const listing = await listDataKeys(await openTenantStore(await this.openAwsSession(), flags), filter, Date.now())
    this.say(renderDataKeys(listing, outputWidth()))
    return listing
  }
}
