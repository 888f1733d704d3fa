import {BaseCommand} from '../../lib/cli/base-command.js'
import {UsageError} from '../../lib/errors/errors.js'
import {table} from '../../lib/report/format.js'
import {useSandboxEnvironment} from '../../lib/sandbox/environment.js'
import {requireRunningSandbox} from '../../lib/sandbox/sandbox.js'
import {seedDemoEstate} from '../../lib/sandbox/seed/index.js'
import type {SeededResource} from '../../lib/sandbox/seed/seeder.js'

export default class SandboxSeed extends BaseCommand<typeof SandboxSeed> {
  static override summary = 'Create the demo estate in the running sandbox; what exists already is left as it is.'
  static override description = `Creates, in the sandbox only (never in an AWS account, whatever your shell or profile says):
- KMS keys alias/opsctl-demo-shards (rotation on) and alias/opsctl-demo-legacy (rotation off)
- RDS PostgreSQL tenant shards tenant-shard-001 and tenant-shard-002: Multi-AZ, encrypted with alias/opsctl-demo-shards, 30-day backup retention, deletion protection, tag opsctl:role=tenant-shard
- legacy-reporting, a deliberately non-compliant instance: unencrypted, single-AZ, 1-day retention, publicly accessible
- a manual snapshot of each shard (<shard>-baseline)
- CloudTrail trail opsctl-demo-trail, logging to the S3 bucket opsctl-demo-trail-<account>
- the VPC opsctl-demo: a public subnet behind an internet gateway, two private subnets that reach out through a NAT gateway, and security groups opsctl-demo-app, -bastion (SSH from 198.51.100.0/24 only), -database (PostgreSQL and MySQL from the app group, SSH from the bastion) and -exposed (open to the internet on purpose)
- PostgreSQL servers opsctl-demo-postgres-1, -2 and -3 (EC2 in a private subnet behind opsctl-demo-database, tagged Role=postgres, opsctl:shards, -1 and -2 with opsctl:cluster=opsctl-demo-pg-a), each with a data volume at /dev/sdf, on PostgreSQL 15.6, 15.8 and 14.11 as the sandbox's SSM agent stand-in reports them (-3's upgrade fails, to show a rollback)
- the Aurora cluster tenants-aurora (a writer and a reader) for failover drills
- a compliance estate in the sandbox region and a second one (eu-west-1, or us-east-1) where each check passes on one resource and fails on another: compliance-* DB instances and clusters (one in DB subnet group opsctl-compliance-private, one in opsctl-compliance-public), MySQL servers opsctl-compliance-mysql-private and -exposed, database secrets opsctl/compliance/app-db (rotating) and opsctl/compliance/reporting-db (not), CPU alarms notifying the SNS topic opsctl-compliance-oncall, KMS keys, EBS volumes and snapshots, S3 buckets, trails and Config recorders
- the tenant store (opsctl-tenants), tenant shards in three locations (Jira in us-east-1, eu-central-1 and ap-southeast-2, Confluence in us-east-1 and eu-west-1, Trello in us-west-2; each tagged opsctl:shard-product and opsctl:shard-capacity, encrypted with alias/opsctl-demo-tenant-shards of its region), and three tenants provisioned the real way: initech (US: Jira, Confluence), hooli (AU: Jira), umbrella (near us-west-2: Jira, Trello)
Running it again creates nothing new and lists what already existed.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'As JSON, to see what was created', command: '<%= config.bin %> <%= command.id %> --json'},
  ]

  async run(): Promise<{endpoint: string; region: string; created: number; existing: number; resources: SeededResource[]}> {
    if (this.flags.profile || this.flags.region) throw new UsageError('"opsctl sandbox seed" only ever seeds the sandbox; drop --profile and --region.')
    const state = await requireRunningSandbox()
    useSandboxEnvironment(state)
    const session = await this.openAwsSession()
    const resources = await seedDemoEstate(session)
    const created = resources.filter((r) => r.status === 'created').length
    this.say(
      table(
        ['SEEDER', 'TYPE', 'RESOURCE', 'STATUS'],
        resources.map((r) => [r.seeder, r.type, r.id, r.status]),
      ),
    )
    this.say(`Seeded the sandbox at ${state.endpoint}: ${created} created, ${resources.length - created} already existed.`)
    return {endpoint: state.endpoint, region: session.region, created, existing: resources.length - created, resources}
  }
}
