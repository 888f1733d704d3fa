// npm run bench:runbook — how validation time grows with the document: documents of 1,000 to 16,000 steps, and
// hostile ones (every step jumping to a step that does not exist, 40,000 unknown keys, a pattern that backtracks
// for minutes in a backtracking engine). Prints the time of each and how it grows against the size; the whole
// command (`opsctl runbook validate`, a process of its own) for the largest. Target: 16,000 steps in under 2 s.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {loadRunbookFile} from '../../dist/lib/runbook/document.js'
import {validateRunbook} from '../../dist/lib/runbook/validate.js'

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'opsctl-bench-runbook-'))
const head = ["schemaVersion: '0.3'", 'parameters:', '  InstanceId: {type: String, default: i-0123456789abcdef0}', 'mainSteps:']

/** A plausible document: each step calls an API with a parameter reference and declares an output the next one reads. */
const plausible = (steps) =>
  `${[
    ...head,
    ...Array.from({length: steps}, (_, i) =>
      [
        `  - name: step${i}`,
        '    action: aws:executeAwsApi',
        `    inputs: {Service: ec2, Api: DescribeInstances, InstanceIds: ['{{ InstanceId }}'], Filters: [{Name: tag:Previous, Values: ['${i === 0 ? 'none' : `{{ step${i - 1}.State }}`}']}]}`,
        '    outputs:',
        "      - {Name: State, Selector: '$.Reservations[0].Instances[0].State.Name', Type: String}",
      ].join('\n'),
    ),
  ].join('\n')}\n`

/** Every step jumps to a step that does not exist: each error asks for a "did you mean" among all the step names. */
const unknownJumps = (steps) =>
  [...head, ...Array.from({length: steps}, (_, i) => `  - {name: step${i}, action: aws:sleep, inputs: {Duration: PT1S}, nextStep: stpe${i}x}`)].join('\n') +
  '\n'

const unknownKeys = (keys) =>
  `${[...head, '  - name: only', '    action: aws:sleep', '    inputs: {Duration: PT1S}', ...Array.from({length: keys}, (_, i) => `    unknown${i}: x`)].join(
    '\n',
  )}\n`

const backtracking = (length) =>
  `${[
    ...head.slice(0, 2),
    `  P: {type: String, allowedPattern: '^(a+)+$', default: '${'a'.repeat(length)}!'}`,
    'mainSteps:',
    '  - {name: only, action: aws:sleep, inputs: {Duration: PT1S}}',
  ].join('\n')}\n`

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function measure(name, text, runs = 3) {
  const file = join(scratch, `${name.replace(/\W+/g, '-')}.yaml`)
  writeFileSync(file, text)
  let diagnostics = 0
  const times = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    diagnostics = validateRunbook(await loadRunbookFile(file)).length
    times.push(performance.now() - started)
  }
  return {name, file, kb: Buffer.byteLength(text) / 1024, ms: median(times), diagnostics}
}

const series = async (label, make, sizes) => {
  const rows = []
  for (const size of sizes) rows.push({size, ...(await measure(`${label} ${size}`, make(size)))})
  return {label, rows}
}

try {
  await measure('warm-up', plausible(500))
  const all = [
    await series('steps', plausible, [1000, 2000, 4000, 8000, 16000]),
    await series('steps jumping to unknown steps', unknownJumps, [1000, 4000, 16000]),
    await series('unknown keys in one step', unknownKeys, [5000, 20000, 40000]),
    await series('characters of a value for ^(a+)+$', backtracking, [28, 10000, 100000]),
  ]
  const pad = (cells, widths) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ')
  const widths = [34, 8, 9, 9, 12, 12]
  console.log(pad(['document', 'size', 'KB', 'ms', 'µs per unit', 'diagnostics'], widths))
  for (const {label, rows} of all) {
    for (const row of rows)
      console.log(pad([label, row.size, row.kb.toFixed(0), row.ms.toFixed(0), ((row.ms * 1000) / row.size).toFixed(1), row.diagnostics], widths))
    const [first, last] = [rows[0], rows.at(-1)]
    console.log(`  ${label}: time grows ${(last.ms / first.ms / (last.size / first.size)).toFixed(2)}× as fast as the size (≤ ~1 is linear)`)
  }
  const largest = all[0].rows.at(-1)
  const started = performance.now()
  const command = spawnSync(process.execPath, [bin, 'runbook', 'validate', largest.file], {stdio: 'ignore'})
  const seconds = (performance.now() - started) / 1000
  console.log(
    `opsctl runbook validate, ${largest.size} steps (${largest.kb.toFixed(0)} KB), as a command: ${seconds.toFixed(2)} s, exit ${command.status}; target under 2 s: ${seconds < 2 ? 'met' : 'MISSED'}`,
  )
} finally {
  rmSync(scratch, {recursive: true, force: true})
}
