import {Errors, type Hook, toConfiguredId} from '@oclif/core'

import {ExitCode} from './exit-codes.js'

/** Suggests the nearest command and exits 2 (oclif's plugin exits 127 and prompts, which breaks CI). */
const hook: Hook<'command_not_found'> = async function (opts) {
  const ids = [
    ...opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]),
    ...opts.config.topics.filter((t) => !t.hidden).map((t) => t.name),
  ]
  const typed = toConfiguredId(opts.id, opts.config)
  const nearest = ids
    .map((id) => ({id, distance: editDistance(opts.id, id)}))
    .sort((a, b) => a.distance - b.distance)[0]
  const suggestion = nearest && nearest.distance <= Math.max(3, opts.id.length / 2)
    ? ` Did you mean "${toConfiguredId(nearest.id, opts.config)}"?`
    : ''
  throw new Errors.CLIError(`"${typed}" is not an opsctl command.${suggestion} Run "opsctl --help" for the list of commands.`, {exit: ExitCode.Usage})
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

export default hook
