import {Args} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {outputWidth} from '../../lib/report/format.js'
import {assertTenantId} from '../../lib/tenants/context.js'
import {renderTenant} from '../../lib/tenants/render.js'
import {type TenantView, tenantView} from '../../lib/tenants/views.js'

export default class TenantShow extends BaseCommand<typeof TenantShow> {
  static override summary =
    'Show one tenant: its site, residency and status, each product with its state, seats, licence, region and shard, and its latest events.'
  static override description =
    'Reads the tenant context from the tenant store: site, data residency, status, each product (state, seats, licence, region, shard and database), apps, features, the configuration keys stored in Parameter Store, the version and who changed it last; then the last 10 events with their delivery to EventBridge (the whole log: "opsctl tenant events <tenant>"). It fits the terminal (100 columns when not on a terminal); --json has every value whole (schemas/tenant-show.json).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme',
    {description: 'From the tenant store in eu-central-1, as JSON', command: '<%= config.bin %> <%= command.id %> acme --home-region eu-central-1 --json'},
  ]
  static override args = {tenant: Args.string({description: 'The tenant id', required: true})}
  static override flags = {...tenantStoreFlags}

  async run(): Promise<TenantView> {
    const tenantId = assertTenantId(this.args.tenant)
    const view = await tenantView(await openTenantStore(await this.openAwsSession(), this.flags), tenantId)
    this.say(renderTenant(view, outputWidth()))
    return view
  }
}
