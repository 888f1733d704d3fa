import {closest} from '../errors/did-you-mean.js'

/** What a parse error's sentence may name: the command as typed, and its flags. */
export interface CommandShape {
  /** e.g. "opsctl snapshot create" */
  command: string
  flags: string[]
}

interface ParseError {
  constructor?: {name?: string}
  message?: string
  flags?: string[]
  args?: {name: string; description?: string}[]
}

const help = (shape: CommandShape) => `run "${shape.command} --help" for its arguments, flags and examples`

/**
 * oclif's parse errors as one sentence, with what to do: a misspelled flag gets the nearest real one,
 * a missing argument is named with its description, and the lists and "See more help" lines are folded in.
 */
export function parseErrorSentence(error: ParseError, shape: CommandShape): string {
  const message = (error.message ?? '').replace(/\nSee more help with --help\s*$/, '')
  if (error.constructor?.name === 'NonExistentFlagsError' && error.flags?.length) {
    const [flag] = error.flags
    const nearest = closest(flag.replace(/^-+/, '').split('=')[0], shape.flags)
    return nearest ? `Unknown flag ${flag}; did you mean --${nearest}? (${help(shape)})` : `Unknown flag ${flag}; ${help(shape)}.`
  }
  if (error.constructor?.name === 'RequiredArgsError' && error.args?.length) {
    const missing = error.args.map((a) => `${a.description ?? a.name} (${a.name})`).join(' and ')
    return `Missing the ${missing} argument; ${help(shape)}.`
  }
  const valueless = /^Flag (--\S+) expects (a value|one of these values: (.*))$/.exec(message)
  if (valueless) return `${valueless[1]} needs ${valueless[3] ? `one of ${valueless[3]}` : 'a value'}; ${help(shape)}.`
  // "Expected --format=xml to be one of: table, json, …": the choices, and the nearest one for a typo.
  const outside = /^Expected (--[^=\s]+)=([\s\S]*) to be one of: (.*)$/.exec(message)
  if (outside) {
    const nearest = closest(outside[2], outside[3].split(', '))
    return `${outside[1]} takes one of ${outside[3]}, not "${outside[2]}"${nearest ? `; did you mean ${nearest}?` : '.'}`
  }
  const wrapped = /^Parsing (--\S+)\s*\n\t([\s\S]*)$/.exec(message)
  if (wrapped) {
    const integer = /^Expected an integer but received: (.*)$/.exec(wrapped[2])
    return integer ? `${wrapped[1]} takes a whole number, not "${integer[1]}".` : wrapped[2]
  }
  // "The following error(s) occurred:\n  --a cannot also be provided when using --b\n  …": the first says it.
  const listed = /^The following errors? occurred:\s*(.+)/.exec(message)
  if (listed) {
    const first = listed[1].trim().replace(/\.$/, '')
    const required = /^Missing required flag (\S+)$/.exec(first)
    return `${required ? `--${required[1]} is required` : first}; ${help(shape)}.`
  }
  return message.replace(/\s*\n\s*/g, ' ')
}
