import {didYouMean} from '../errors/did-you-mean.js'
import {UsageError} from '../errors/errors.js'
import {isSecretName, registerSecret} from '../secrets/secrets.js'
import type {RunbookDocument} from './document.js'
import {allowedPattern} from './patterns.js'
import {fitsParameterType} from './validate/declarations.js'

/** A value as quoted in a message: a long one shortened, so that the message stays one readable sentence. */
const quoted = (value: string) => (value.length <= 60 ? `"${value}"` : `"${value.slice(0, 40)}…" (${value.length.toLocaleString('en-US')} characters)`)

/** `-p Name=Value` flags as a record; a flag without `=` is a usage error. */
export function parseParameterFlags(flags: string[] = []): Record<string, string> {
  const given: Record<string, string> = {}
  for (const flag of flags) {
    const eq = flag.indexOf('=')
    // Not quoted back: what was meant as Name=Value may hold a password.
    if (eq <= 0)
      throw new UsageError(`A -p value has no "=" between the name and the value; write it like -p InstanceId=i-0123456789abcdef0.`, 'InvalidParameter')
    const name = flag.slice(0, eq)
    given[name] = flag.slice(eq + 1)
    if (isSecretName(name)) registerSecret(given[name])
  }
  return given
}

/** A value given on the command line, as the parameter's type: lists by commas or JSON, maps as JSON. */
function convert(name: string, text: string, type: string): unknown {
  const fail = (hint: string) => new UsageError(`Parameter ${name} is ${type}, and ${quoted(text)} is not one; ${hint}.`, 'InvalidParameter')
  const json = () => {
    try {
      return JSON.parse(text)
    } catch {
      return undefined
    }
  }
  switch (type) {
    case 'Integer':
      if (!/^-?\d+$/.test(text)) throw fail('give a whole number')
      return Number(text)
    case 'Boolean':
      if (text !== 'true' && text !== 'false') throw fail('give true or false')
      return text === 'true'
    case 'StringMap':
    case 'MapList': {
      const value = json()
      if (!fitsParameterType(value, type))
        throw fail(`give JSON, e.g. ${type === 'StringMap' ? '{"team":"platform"}' : '[{"Key":"tag:Role","Values":["db"]}]'}`)
      return value
    }
    default:
      if (type === 'StringList' || type.startsWith('List<')) {
        const value = text.startsWith('[') ? json() : text === '' ? [] : text.split(',').map((s) => s.trim())
        if (!Array.isArray(value)) throw fail('give a comma-separated list or a JSON array')
        return value
      }
      return text
  }
}

/**
 * The document's parameters with the given values and the defaults, checked against their types,
 * allowedValues and allowedPattern. Unknown or missing parameters are usage errors naming them.
 */
export function resolveParameters(document: RunbookDocument, given: Record<string, string>): Record<string, unknown> {
  const declared = document.parameters ?? {}
  const names = Object.keys(declared)
  for (const name of Object.keys(given)) {
    if (!(name in declared)) throw new UsageError(`The runbook has no parameter ${name}; ${didYouMean(name, names, 'parameter')}`, 'UnknownParameter')
  }
  const resolved: Record<string, unknown> = {}
  for (const [name, definition] of Object.entries(declared)) {
    const type = String(definition.type)
    if (name in given) resolved[name] = convert(name, given[name], type)
    else if (definition.default !== undefined) resolved[name] = definition.default
    else
      throw new UsageError(
        `Parameter ${name} is required${definition.description ? ` (${String(definition.description).replace(/^\((Required|Optional)\)\s*/, '')})` : ''}; pass -p ${name}=<value>.`,
        'MissingParameter',
      )
    if (!(name in given)) continue
    const items = Array.isArray(resolved[name]) ? (resolved[name] as unknown[]) : [resolved[name]]
    const allowed = Array.isArray(definition.allowedValues) ? new Set(definition.allowedValues.map(String)) : undefined
    if (allowed && items.some((v) => !allowed.has(String(v)))) {
      throw new UsageError(`Parameter ${name} is ${quoted(given[name])}, which is not one of ${[...allowed].join(', ')}.`, 'InvalidParameter')
    }
    // A pattern opsctl cannot evaluate was already reported by the validator; SSM checks it at execution.
    const pattern = typeof definition.allowedPattern === 'string' ? allowedPattern(definition.allowedPattern) : undefined
    const bad = pattern && 'matches' in pattern ? items.find((v) => !pattern.matches(String(v))) : undefined
    if (bad !== undefined)
      throw new UsageError(`Parameter ${name} is ${quoted(String(bad))}, which does not match ${definition.allowedPattern}.`, 'InvalidParameter')
  }
  return resolved
}
