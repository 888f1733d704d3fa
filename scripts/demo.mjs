#!/usr/bin/env node
// The demo (`npm run demo`, which builds first): starts the sandbox, seeds it, runs the workflows below
// with the real CLI, and always stops the sandbox. Every command is printed before it runs, so the
// reader learns the commands; each one's own output shows its step-by-step results.
import {spawn} from 'node:child_process'
import {rmSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

/**
 * The workflows the demo runs against the seeded sandbox, in order. To show yours, add one entry:
 * `explain` is printed before the command, `args` are the words after `opsctl`, and `expectExit`
 * (default 0) is the exit code the demo means to show, e.g. 2 for a refusal of bad input.
 */
const workflows = [
  {
    explain: 'Take a manual snapshot of a tenant shard, tagged with the run id, and wait until it is available.',
    args: ['snapshot', 'create', 'tenant-shard-001'],
  },
  {
    explain: "List the shard's snapshots: the automated ones, the baseline the seed took and the one just taken.",
    args: ['snapshot', 'list', 'tenant-shard-001'],
  },
  {
    explain:
      "Restore the seed's baseline snapshot of a shard to a new instance beside it, with the shard's configuration and tags; the recovery time is measured.",
    args: ['snapshot', 'restore', 'tenant-shard-001', '--snapshot', 'tenant-shard-001-baseline', '--target', 'tenant-shard-001-restored'],
  },
  {
    explain:
      'Restore the same snapshot under the legacy customer key: RDS cannot re-key a restore, so opsctl copies the snapshot under the new key, restores the copy and deletes it.',
    args: [
      'snapshot',
      'restore',
      'tenant-shard-001',
      '--snapshot',
      'tenant-shard-001-baseline',
      '--target',
      'tenant-shard-001-rekeyed',
      '--kms-key',
      'alias/opsctl-demo-legacy',
    ],
  },
  {
    explain: 'A point-in-time restore outside the restorable window is refused before anything is made (exit 2).',
    args: ['snapshot', 'restore', 'tenant-shard-001', '--to-time', '2020-01-01T00:00:00Z'],
    expectExit: 2,
  },
  {
    explain:
      'The quarterly backup test: policy checks, restore of the newest automated snapshot, verification, RTO and RPO, and the temporary instance deleted.',
    args: ['backup', 'test', 'tenant-shard-001', '--max-rto', '1800', '--max-rpo', '90000', '--poll-interval', '1'],
  },
  {
    explain: 'The same test of the non-compliant instance misses its policy (1-day retention, not encrypted): exit 4, with the evidence in the run record.',
    args: ['backup', 'test', 'legacy-reporting', '--poll-interval', '1'],
    expectExit: 4,
  },
  {explain: 'Past backup tests from the journals: date, instance, snapshot, RTO, RPO, verdict.', args: ['backup', 'history']},
  {
    explain:
      'A Multi-AZ failover drill of a tenant shard is refused up front on the sandbox, since moto cannot fail an instance over (exit 2); the preflight says so instead of polling until the timeout.',
    args: ['failover', 'drill', 'tenant-shard-001', '--yes'],
    expectExit: 2,
  },
  {
    explain: 'Fail the Aurora cluster over to its reader, watching its CPU alarm, and measure the RTO against the 120 s objective.',
    args: ['failover', 'drill', '--cluster', 'tenants-aurora', '--alarm', 'tenants-aurora-cpu-above-60', '--yes'],
  },
  {explain: 'Past failover drills from the journals, with the RTO trend.', args: ['failover', 'history']},
  {
    explain: 'A Multi-AZ drill of the single-AZ legacy instance is refused, with the command that would enable Multi-AZ (exit 2).',
    args: ['failover', 'drill', 'legacy-reporting', '--yes'],
    expectExit: 2,
  },
  {
    explain:
      'Compliance checks of the services the sandbox emulates fully, in two regions: findings exit 3 (Config delivery status and SSM compliance are APIs moto lacks).',
    args: ['compliance', 'check', '--regions', 'us-east-1,eu-west-1', '--services', 'rds,kms,cloudtrail,ebs,s3'],
    expectExit: 3,
  },
  {
    explain:
      "The platform's own controls: databases in private subnets and closed to the internet, SSH only from the administrators, the root user unused and with MFA, database passwords managed and rotated, CPU alarms that reach someone. The sandbox has one of each that passes and one that fails (exit 3).",
    args: [
      'compliance',
      'check',
      '--checks',
      'ec2-db-port-not-public,ec2-ssh-rdp-not-public,rds-private-subnets,ec2-db-private,iam-root-mfa,iam-root-no-access-keys,iam-root-unused,rds-master-password-managed,secretsmanager-rotation,cloudwatch-rds-cpu-alarm',
      '--cpu-threshold',
      '60',
    ],
    expectExit: 3,
  },
  {
    explain: 'Two critical checks written as SARIF for code scanning; the public legacy instance and snapshot still fail them (exit 3).',
    args: [
      'compliance',
      'check',
      '--checks',
      'rds-not-public,rds-snapshot-private',
      '--fail-on',
      'critical',
      '--format',
      'sarif',
      '--output',
      '.demo-home/compliance.sarif',
    ],
    expectExit: 3,
  },
  {explain: 'Validate every shipped SSM Automation runbook: file:line:column errors, exit 2 on any.', args: ['runbook', 'validate', 'runbooks/', '--strict']},
  {
    explain: 'The runbook as published in the practices does not validate: an action that does not exist and empty references.',
    args: ['runbook', 'validate', 'test/fixtures/runbooks/invalid/practices-postgres-patch.yaml'],
    expectExit: 2,
  },
  {
    explain: 'Plan a runbook: resolved parameters, the API calls of each step and where it can jump.',
    args: ['runbook', 'plan', 'runbooks/opsctl-MultiAzFailoverTest.yaml', '-p', 'DBInstanceIdentifier=tenant-shard-001'],
  },
  {explain: 'The least-privilege IAM policy the restore-test runbook needs.', args: ['runbook', 'iam', 'runbooks/opsctl-RestoreTest.yaml']},
  {
    explain: 'Run the restore-test runbook with the local engine: the real SDK against the sandbox, journaled like every workflow.',
    args: [
      'runbook',
      'run',
      'runbooks/opsctl-RestoreTest.yaml',
      '-p',
      'DBInstanceIdentifier=tenant-shard-002',
      '-p',
      'SnapshotIdentifier=tenant-shard-002-baseline',
      '-p',
      'RestoredInstanceIdentifier=tenant-shard-002-runbook-test',
    ],
  },
  {
    explain:
      'Provision a tenant pinned to the EU: the seven steps (context, site, regions, configuration, identity, databases on shards with wrapped data keys, apps), then its events to EventBridge.',
    args: ['tenant', 'provision', 'acme', '--site', 'acme', '--products', 'jira,confluence', '--residency', 'EU', '--seats', 'jira=50,confluence=20'],
  },
  {explain: 'The tenant-specific view: each product with its state, seats, region and shard, and its latest events.', args: ['tenant', 'show', 'acme']},
  {
    explain: "Suspend the tenant's Jira: access is cut, its data kept, a Product Suspended event goes out.",
    args: ['tenant', 'suspend', 'acme', '--product', 'jira'],
  },
  {explain: 'And give access back: Product Unsuspended.', args: ['tenant', 'unsuspend', 'acme', '--product', 'jira']},
  {
    explain: 'Update the Confluence licence to 35 seats: the context, Parameter Store in its region, and a License Updated event.',
    args: ['tenant', 'license', 'acme', '--product', 'confluence', '--seats', '35'],
  },
  {
    explain:
      'A tenant pinned to Australia cannot get Confluence: there is no Confluence shard in AU, and its data may not go elsewhere (exit 2, nothing created).',
    args: ['tenant', 'provision', 'wombat', '--site', 'wombat', '--products', 'confluence', '--residency', 'AU'],
    expectExit: 2,
  },
  {explain: 'The tenants on one shard, from the index of tenants by shard (a query, never a scan).', args: ['tenant', 'list', '--shard', 'jira-eu-1']},
  {
    explain:
      'The KMS keys: rotation, period, on-demand budget, and what uses each (shards, trails, volumes, tenant data keys); the legacy key does not rotate, so exit 3.',
    args: ['key', 'status', 'alias/opsctl-demo-shards', 'alias/opsctl-demo-legacy'],
    expectExit: 3,
  },
  {
    explain:
      "Rotate the shards' key on demand and prove it: canaries encrypted before, the rotation awaited, then every canary and every tenant data key under it decrypted (counted, never shown).",
    args: ['key', 'rotate', 'alias/opsctl-demo-shards', '--yes', '--poll-interval', '1'],
  },
  {
    explain:
      "The tenants' data keys against their usage limits (5 million operations or 24 hours): initech's Jira key is past its operations, hooli's past its age.",
    args: ['key', 'datakeys'],
  },
  {
    explain: 'Rotate the keys past a limit: the old key kept decrypt-only, then a new current key by a conditional write.',
    args: ['key', 'datakeys', 'rotate', '--all'],
  },
  {
    explain:
      'The PostgreSQL servers (tag Role=postgres): the installed version of each, from SSM Inventory or one read-only Run Command, written to SSM Compliance; two are below 15.8, so exit 3.',
    args: ['patch', 'scan', '--targets', 'tag:Role=postgres', '--min-version', '15.8'],
    expectExit: 3,
  },
  {
    explain: 'The waves a patch would take (a canary, then waves; the two servers of one cluster never together), nothing changed.',
    args: ['patch', 'run', '--targets', 'tag:Role=postgres', '--min-version', '15.8', '--dry-run'],
  },
  {
    explain:
      "Patch them, one server a wave, one failure tolerated: each is stopped, its data volume snapshotted, upgraded, started and verified; opsctl-demo-postgres-3's upgrade fails, so it is rolled back from its snapshot (the replaced volume kept).",
    args: [
      'patch',
      'run',
      '--targets',
      'tag:Role=postgres',
      '--min-version',
      '15.8',
      '--canary',
      '0',
      '--wave',
      '1',
      '--max-errors',
      '1',
      '--yes',
      '--poll-interval',
      '1',
    ],
  },
  {
    explain: 'Per server: the last patch run, the installed version, SSM Compliance and Patch Manager.',
    args: ['patch', 'status', '--targets', 'tag:Role=postgres'],
  },
  {explain: 'Publish the patch runbook to SSM, so that maintenance windows can run it.', args: ['runbook', 'publish', 'runbooks/opsctl-PatchPostgreSQL.yaml']},
  {
    explain: 'Schedule the same patch every Sunday at 03:00 in a maintenance window of each region the servers are in (run again: nothing changes).',
    args: [
      'patch',
      'schedule',
      '--targets',
      'tag:Role=postgres',
      '--min-version',
      '15.8',
      '--cron',
      'cron(0 3 ? * SUN *)',
      '--duration',
      '3',
      '--cutoff',
      '1',
      '--yes',
    ],
  },
  {explain: 'Every run is journaled under $OPSCTL_HOME/runs; list them.', args: ['runs', 'list']},
]

const repo = fileURLToPath(new URL('..', import.meta.url))
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const home = fileURLToPath(new URL('../.demo-home', import.meta.url))
// The demo keeps its own $OPSCTL_HOME (gitignored); journals of earlier demos are cleared so `runs list`
// shows this demo's runs. The sandbox directory stays, so a moto installed there is not installed again.
rmSync(`${home}/runs`, {recursive: true, force: true})
const env = {...process.env, OPSCTL_HOME: home}

let current
let interrupted = false
// Ctrl-C reaches the running command too (same process group): it undoes its own work and exits;
// the demo then skips the rest and stops the sandbox. A SIGTERM sent to the demo alone is passed on.
process.on('SIGINT', () => (interrupted = true))
process.on('SIGTERM', () => {
  interrupted = true
  current?.kill('SIGTERM')
})

const bold = (text) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\u001B[1m${text}\u001B[22m` : text)

/** Runs `opsctl <args>` as a user would, after printing the command line. Resolves to its exit code (and stdout when captured). */
function opsctl(args, {explain, shown = `opsctl ${args.join(' ')}`, capture = false, shielded = false} = {}) {
  if (explain) console.log(`\n# ${explain}`)
  console.log(bold(`$ ${shown}`))
  return new Promise((resolve) => {
    current = spawn(process.execPath, [bin, ...args], {
      cwd: repo,
      env,
      stdio: ['inherit', capture ? 'pipe' : 'inherit', 'inherit'],
      // Its own process group: a second Ctrl-C cannot cut the final `sandbox stop` short.
      detached: shielded,
    })
    let stdout = ''
    current.stdout?.on('data', (chunk) => (stdout += chunk))
    current.on('error', (error) => {
      console.error(`Could not run ${shown}: ${error.message}`)
      resolve({code: 1, stdout})
    })
    current.on('close', (code, signal) => resolve({code: code ?? (signal ? 130 : 1), stdout}))
  })
}

const failed = []
async function step(args, options) {
  if (interrupted && !options.always) return false
  const {code, stdout} = await opsctl(args, options)
  const expected = options.expectExit ?? 0
  if (code !== expected) failed.push(`${options.shown ?? `opsctl ${args.join(' ')}`} (exit ${code}, expected ${expected})`)
  else if (expected !== 0) console.log(`(exit ${code}, as intended)`)
  return code === expected ? stdout : false
}

try {
  const ready =
    (await step(['sandbox', 'start'], {explain: 'Start a local AWS emulator (moto_server) in the background.'})) !== false &&
    (await step(['sandbox', 'seed'], {
      explain: 'Create the demo estate: KMS keys, tenant shards, a non-compliant instance, snapshots, a CloudTrail trail, PostgreSQL hosts.',
    })) !== false
  const variables =
    ready &&
    (await step(['sandbox', 'env', '--json'], {
      explain: 'Point the shell (here: the following commands) at the sandbox.',
      shown: 'eval "$(opsctl sandbox env)"',
      capture: true,
    }))
  if (variables) {
    const {result} = JSON.parse(variables)
    for (const name of result.unset) delete env[name]
    Object.assign(env, result.variables)
    for (const [name, value] of Object.entries(result.variables)) console.log(`export ${name}=${value}`)
    for (const workflow of workflows) await step(workflow.args, workflow)
  }
} finally {
  await step(['sandbox', 'stop'], {explain: 'Stop the sandbox; everything in it is forgotten.', shielded: true, always: true})
}

if (interrupted) console.log('\nThe demo was interrupted; the sandbox is stopped.')
else console.log(failed.length === 0 ? '\nThe demo ran every command successfully.' : `\nThe demo had failures:\n${failed.map((f) => `  - ${f}`).join('\n')}`)
process.exitCode = interrupted ? 130 : failed.length > 0 ? 1 : 0
