import {Errors, type Hook, toConfiguredId} from '@oclif/core'
import {editDistance} from '../errors/did-you-mean.js'
import {ExitCode} from '../errors/exit-codes.js'
import {color} from '../report/colors.js'

/** Suggests the nearest command and exits 2 (oclif's plugin exits 127 and prompts, which breaks CI). */
const hook: Hook<'command_not_found'> = async (opts) => {
  // oclif folds the arguments into the id ("snapshot:craete:db-1"): compare each command with as many words as it has.
  const words = opts.id.split(':')
  const ids = [
    ...opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]),
    ...(words.length === 1 ? opts.config.topics.filter((t) => !t.hidden).map((t) => t.name) : []),
  ]
  const typedAs = (id: string) => words.slice(0, id.split(':').length).join(':')
  const nearest = ids.map((id) => ({id, distance: editDistance(typedAs(id), id)})).sort((a, b) => a.distance - b.distance)[0]
  const close = nearest && nearest.distance <= Math.max(2, typedAs(nearest.id).length / 3)
  const typed = toConfiguredId(close ? typedAs(nearest.id) : words[0], opts.config)
  const suggestion = close ? ` Did you mean "${toConfiguredId(nearest.id, opts.config)}"?` : ''
  const message = `"${typed}" is not an opsctl command.${suggestion} Run "opsctl --help" for the list of commands.`
  // Printed here, unwrapped and in the same form as every other opsctl error (the JSON envelope under --json), then a silent exit 2.
  if ([...(opts.argv ?? []), ...words].includes('--json')) {
    process.stdout.write(`${JSON.stringify({status: ExitCode.Usage, error: {code: 'UnknownCommand', message}, warnings: []}, null, 2)}\n`)
  } else {
    process.stderr.write(`${color.red('Error:')} ${message}\n`)
  }
  Errors.exit(ExitCode.Usage)
}

export default hook
