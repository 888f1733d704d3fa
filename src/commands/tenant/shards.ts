import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {outputWidth} from '../../lib/report/format.js'
import {renderShards} from '../../lib/tenants/render.js'
import {assertEveryRegionRead, listShards, type ShardListing, shardFilter} from '../../lib/tenants/views.js'

export default class TenantShards extends BaseCommand<typeof TenantShards> {
  static override summary = 'List the shards tenants are placed on: region, locations, tenants placed and capacity, status.'
  static override description =
    'A shard is an RDS instance or Aurora cluster tagged opsctl:shard-product=<product> and opsctl:shard-capacity=<tenants>. opsctl looks for them in the regions of every residency location (or of --location), and reads how many tenants each holds from the tenant store. A region that cannot be read (an opt-in region not enabled for the account) is named, the others are still listed, and the command exits 1. --json: schemas/tenant-shards.json.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'The Jira shards in the EU', command: '<%= config.bin %> <%= command.id %> --product jira --location EU'},
    {description: 'Every shard, as JSON', command: '<%= config.bin %> <%= command.id %> --json'},
  ]
  static override flags = {
    ...tenantStoreFlags,
    product: Flags.string({description: 'Only the shards of this product, e.g. jira.'}),
    location: Flags.string({description: 'Only the regions of this location: US, EU, GB, DE, CH, AU, CA, IN, JP, SG, KR.'}),
  }

  async run(): Promise<ShardListing> {
    const filter = shardFilter(this.flags)
    const session = await this.openAwsSession()
    const listing = await listShards(session, await openTenantStore(session, this.flags), filter)
    this.say(renderShards(listing, outputWidth()))
    assertEveryRegionRead(listing)
    return listing
  }
}
