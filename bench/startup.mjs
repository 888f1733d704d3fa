// Startup benchmark: how much slower than a bare `node -e 0` are `opsctl --version` and a command's --help?
// Targets (issue 2): --version at most 1.5x, `snapshot create --help` at most 2.5x. Medians over repeated runs.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const runs = Number(process.env.BENCH_RUNS ?? 21)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const cases = [
  {name: 'node -e 0', args: ['-e', '0']},
  {name: 'opsctl --version', args: [bin, '--version'], target: 1.5},
  {name: 'opsctl snapshot create --help', args: [bin, 'snapshot', 'create', '--help'], target: 2.5},
]

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function time(args) {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, {stdio: 'ignore'})
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`)
  return Number(process.hrtime.bigint() - start) / 1e6
}

for (const c of cases) time(c.args) // warm the file cache
const medians = cases.map((c) => median(Array.from({length: runs}, () => time(c.args))))
const baseline = medians[0]
let missed = 0
console.log(`startup, median of ${runs} runs`)
for (const [i, c] of cases.entries()) {
  const ratio = medians[i] / baseline
  const verdict = c.target ? (ratio <= c.target ? `ok (target ≤ ${c.target}x)` : `MISSED (target ≤ ${c.target}x)`) : 'baseline'
  if (c.target && ratio > c.target) missed++
  console.log(`${c.name.padEnd(32)} ${medians[i].toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x  ${verdict}`)
}
process.exitCode = missed > 0 ? 1 : 0
