import {Args, Flags} from '@oclif/core'

import {assertKnownRegion} from '../../lib/aws/regions.js'
import {eventBusFlag, openTenantsContext, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {UsageError} from '../../lib/errors/errors.js'
import {registerSecret} from '../../lib/secrets/secrets.js'
import {allowedRegions, GLOBAL, locationOf, productOf} from '../../lib/tenants/catalogue.js'
import {assertSeats, assertSiteName, assertTenantId} from '../../lib/tenants/context.js'
import {loadIdentity} from '../../lib/tenants/identity.js'
import {type ProvisionRequest, provisionWorkflow} from '../../lib/tenants/provision.js'

export default class TenantProvision extends WorkflowCommand<typeof TenantProvision> {
  static override summary = 'Provision a new tenant: the seven steps of the practices, as one workflow with undo and resume, then its events.'
  static override description =
    `The checks come first and change nothing: the tenant store is there, the tenant id and the site name are free, and each product has a region (from --residency, or nearest to --near) with a shard that has room. Then: (1) the tenant context with its licences, status provisioning, and a Tenant Created event in the outbox; (2) the site (names are unique) and its products activated; (3) each product's region fixed; (4) site and product metadata and configuration in Parameter Store under /opsctl/tenants/<id>/ in each product's region (--secret values as SecureString, never shown); (5) identity data from --identity; (6) each product's database placed on the least-filled shard of its region with room, with its envelope data key (GenerateDataKeyWithoutPlaintext under the shard's KMS key, bound to tenant and product: only the wrapped key is kept); (7) the licensed apps, and the tenant active. Last, the outbox is delivered to EventBridge (--event-bus), each entry checked; an event is never lost (a crash leaves it in the outbox: --resume, or "opsctl tenant events <id> --deliver").

A pinned tenant (--residency) never has a product placed outside its location: such a request is refused before any change (exit 2). A failed step undoes what the run made: the site, the parameters, the shard seats and the tenant's items.`
  static override examples = [
    {
      description: 'A European tenant with Jira and Confluence',
      command: '<%= config.bin %> <%= command.id %> acme --site acme --products jira,confluence --residency EU --seats jira=50,confluence=20',
    },
    {
      description: 'A tenant near us-west-2, with apps, identity data and a secret',
      command:
        '<%= config.bin %> <%= command.id %> globex --site globex --products jira,trello --near us-west-2 --apps tempo,drawio --identity globex-identity.yaml --secret smtp-password=…',
    },
    {description: 'See the plan first', command: '<%= config.bin %> <%= command.id %> acme --site acme --products jira --residency DE --dry-run'},
  ]
  static override args = {tenantId: Args.string({description: "The new tenant's id (2–63 lowercase letters, digits and hyphens)", required: true})}
  static override flags = {
    ...tenantStoreFlags,
    site: Flags.string({description: 'The site name (a DNS label; unique).', required: true}),
    products: Flags.string({
      description:
        'Comma-separated products: jira, jira-service-management, jira-product-discovery, confluence, compass, atlas, bitbucket, trello, opsgenie, statuspage.',
      required: true,
    }),
    residency: Flags.string({description: 'Pin the data to a location: US, EU, GB, DE, CH, AU, CA, IN, JP, SG, KR.', exclusive: ['near']}),
    near: Flags.string({description: 'Without residency: place each product in the allowed region nearest to this one (where most users are).'}),
    seats: Flags.string({description: 'Seats per product, e.g. jira=50,confluence=20 (default 1 each).'}),
    apps: Flags.string({description: 'Comma-separated apps to provision.'}),
    identity: Flags.string({description: 'YAML or JSON file of users, groups and permissions.'}),
    config: Flags.string({description: 'A configuration key=value stored in Parameter Store (repeatable).', multiple: true}),
    secret: Flags.string({description: 'A secret key=value stored as a SecureString, never shown (repeatable).', multiple: true}),
    'event-bus': eventBusFlag,
  }

  async run(): Promise<RunRecord> {
    const request = await this.request()
    return this.runWorkflow({
      workflow: provisionWorkflow,
      parameters: {
        ...request,
        identity: request.identity ? `${request.identity.users.length} users, ${request.identity.groups.length} groups` : undefined,
        secretNames: Object.keys(request.secrets),
      },
      context: async (session) => ({...(await openTenantsContext(session, this.flags)), request}),
      describe: (o, record) => [
        `Tenant ${request.tenantId} (site ${request.site}) is active: ${o.placements.map((p) => `${p.product} on ${p.shardId} in ${p.region}`).join(', ')}; ${o.eventsDelivered} event(s) delivered to ${request.eventBus} (run ${record.runId}).`,
      ],
    })
  }

  /** The whole request, checked before any AWS call: every refusal is exit 2 with nothing created. */
  private async request(): Promise<ProvisionRequest> {
    const {flags} = this
    const products = [...new Set(commaList(flags.products))]
    if (products.length === 0) throw new UsageError('--products names no product; list at least one, e.g. --products jira,confluence.', 'NoProducts')
    const residency = flags.residency === undefined ? GLOBAL : locationOf(flags.residency).code
    // Refused here, before anything: residency asked for a product that does not offer it.
    for (const product of products) allowedRegions(productOf(product), residency, [])
    for (const [, value] of keyValues(flags.secret, '--secret')) registerSecret(value)
    return {
      tenantId: assertTenantId(this.args.tenantId),
      site: assertSiteName(flags.site),
      products,
      residency,
      near: flags.near === undefined ? undefined : assertKnownRegion(flags.near),
      seats: seatsOf(flags.seats, products),
      apps: commaList(flags.apps),
      identity: flags.identity === undefined ? undefined : await loadIdentity(flags.identity),
      config: Object.fromEntries(keyValues(flags.config, '--config')),
      secrets: Object.fromEntries(keyValues(flags.secret, '--secret')),
      eventBus: flags['event-bus'],
    }
  }
}

const commaList = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)

const configKey = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/** key=value flags; a value is never quoted back (it may be a secret). */
function keyValues(values: string[] | undefined, flag: string): [string, string][] {
  return (values ?? []).map((text) => {
    const eq = text.indexOf('=')
    const key = text.slice(0, Math.max(eq, 0))
    if (eq <= 0 || !configKey.test(key))
      throw new UsageError(
        `A ${flag} value is not key=value with a key of letters, digits, ".", "_" and "-"; write it like ${flag} smtp-host=mail.example.com.`,
        'InvalidKeyValue',
      )
    return [key, text.slice(eq + 1)]
  })
}

function seatsOf(text: string | undefined, products: string[]): Record<string, number> {
  const seats = Object.fromEntries(products.map((p) => [p, 1]))
  for (const [product, value] of keyValues(commaList(text), '--seats')) {
    if (!products.includes(product)) throw new UsageError(`--seats names ${product}, which is not in --products (${products.join(', ')}).`, 'InvalidSeats')
    seats[product] = assertSeats(/^\d+$/.test(value) ? Number(value) : Number.NaN, `${product}=${value}`)
  }
  return seats
}
