import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {outputWidth} from '../../lib/report/format.js'
import {renderTenantList} from '../../lib/tenants/render.js'
import {listTenants, type TenantListing, tenantFilter} from '../../lib/tenants/views.js'

export default class TenantList extends BaseCommand<typeof TenantList> {
  static override summary = 'List tenants, with their status, residency, products and regions; filter by product, shard, location or status.'
  static override description =
    'A line per tenant, by tenant id. --shard queries the index of tenants by shard (never a scan of the table), and --json then says how many pages of it were read; the other filters read every tenant context. --status is a tenant status (provisioning, active, destroyed) or a product state (pending, active, suspended, deactivated, destroyed): a tenant matches when its own status is that, or one of its products is in that state (with --product, that product). --location is a location code (the tenants pinned to it) or global (those not pinned). Filters combine. --json: schemas/tenant-list.json.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'The tenants with data on one shard', command: '<%= config.bin %> <%= command.id %> --shard jira-eu-1'},
    {
      description: 'The tenants pinned to the EU whose Jira is suspended',
      command: '<%= config.bin %> <%= command.id %> --location EU --product jira --status suspended',
    },
    {description: 'The tenants not pinned to any location, as JSON', command: '<%= config.bin %> <%= command.id %> --location global --json'},
  ]
  static override flags = {
    ...tenantStoreFlags,
    product: Flags.string({description: 'Only tenants with this product, e.g. jira.'}),
    shard: Flags.string({description: 'Only tenants with a product on this shard (a query of the byShard index).'}),
    location: Flags.string({description: 'Only tenants pinned to this location (US, EU, GB, DE, CH, AU, CA, IN, JP, SG, KR), or global for those not pinned.'}),
    status: Flags.string({description: 'Only tenants with this status, or with a product in this state (see the description).'}),
  }

  async run(): Promise<TenantListing> {
    const filter = tenantFilter(this.flags)
    const listing = await listTenants(await openTenantStore(await this.openAwsSession(), this.flags), filter)
    this.say(renderTenantList(listing, outputWidth()))
    return listing
  }
}
