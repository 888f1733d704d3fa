#!/usr/bin/env node
// The demo (`npm run demo`, which builds first): starts the sandbox, seeds it, runs the workflows below
// with the real CLI, and always stops the sandbox. Every command is printed before it runs, so the
// reader learns the commands; each one's own output shows its step-by-step results.
import {spawn} from 'node:child_process'
import {rmSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

/**
 * The workflows the demo runs against the seeded sandbox, in order. To show yours, add one entry:
 * `explain` is printed before the command, `args` are the words after `opsctl`.
 */
const workflows = [
  {explain: 'Take a manual snapshot of a tenant shard, tagged with the run id, and wait until it is available.', args: ['snapshot', 'create', 'tenant-shard-001']},
  {explain: 'List the shard\'s snapshots: the automated ones, the baseline the seed took and the one just taken.', args: ['snapshot', 'list', 'tenant-shard-001']},
  {explain: 'Preflight of a Multi-AZ failover drill of a tenant shard: every check runs, the failover is only planned (moto cannot fail an instance over).', args: ['failover', 'drill', 'tenant-shard-001', '--dry-run']},
  {explain: 'Fail the Aurora cluster over to its reader, watching its CPU alarm, and measure the RTO against the 120 s objective.', args: ['failover', 'drill', '--cluster', 'tenants-aurora', '--alarm', 'tenants-aurora-cpu-above-60', '--yes']},
  {explain: 'Past failover drills from the journals, with the RTO trend.', args: ['failover', 'history']},
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
  if (code !== 0) failed.push(`${options.shown ?? `opsctl ${args.join(' ')}`} (exit ${code})`)
  return code === 0 ? stdout : false
}

try {
  const ready =
    (await step(['sandbox', 'start'], {explain: 'Start a local AWS emulator (moto_server) in the background.'})) !== false &&
    (await step(['sandbox', 'seed'], {explain: 'Create the demo estate: KMS keys, tenant shards, a non-compliant instance, snapshots, a CloudTrail trail, PostgreSQL hosts.'})) !== false
  const variables = ready && await step(['sandbox', 'env', '--json'], {
    explain: 'Point the shell (here: the following commands) at the sandbox.',
    shown: 'eval "$(opsctl sandbox env)"',
    capture: true,
  })
  if (variables) {
    const {result} = JSON.parse(variables)
    for (const name of result.unset) delete env[name]
    Object.assign(env, result.variables)
    for (const [name, value] of Object.entries(result.variables)) console.log(`export ${name}=${value}`)
    for (const workflow of workflows) await step(workflow.args, {explain: workflow.explain})
  }
} finally {
  await step(['sandbox', 'stop'], {explain: 'Stop the sandbox; everything in it is forgotten.', shielded: true, always: true})
}

if (interrupted) console.log('\nThe demo was interrupted; the sandbox is stopped.')
else console.log(failed.length === 0 ? '\nThe demo ran every command successfully.' : `\nThe demo had failures:\n${failed.map((f) => `  - ${f}`).join('\n')}`)
process.exitCode = interrupted ? 130 : failed.length > 0 ? 1 : 0
