import {allowedPattern} from '../patterns.js'
import type {Diagnostics} from './diagnostics.js'
import {article, hasReference, isMapping} from './values.js'

const parameterTypes = ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap']
const awsType = /^(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*|List<AWS::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*>)$/
const parameterFields = ['type', 'description', 'default', 'allowedValues', 'allowedPattern', 'displayType', 'minItems', 'maxItems', 'minChars', 'maxChars']
const parameterName = /^[A-Za-z0-9_-]+$/

/** True when a value fits a parameter type (references are not resolved here, so they always fit). */
export function fitsParameterType(value: unknown, type: string): boolean {
  if (hasReference(value)) return true
  switch (type) {
    case 'String':
      return typeof value === 'string'
    case 'Integer':
      return Number.isInteger(value)
    case 'Boolean':
      return typeof value === 'boolean'
    case 'StringList':
      return Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)
    case 'StringMap':
      return isMapping(value)
    case 'MapList':
      return Array.isArray(value) && value.every(isMapping)
    default:
      return type.startsWith('List<') ? Array.isArray(value) : typeof value === 'string'
  }
}

/** The parameters or variables of a document, checked; their types by name (those with a valid type). */
export function checkDeclarations(section: 'parameters' | 'variables', declared: unknown, d: Diagnostics): Map<string, string> {
  const types = new Map<string, string>()
  if (declared === undefined || declared === null) return types
  if (!isMapping(declared)) {
    d.error('parameters', [section], `${section} must be a mapping of names to definitions.`, `write ${section}: {Name: {type: String}}.`)
    return types
  }
  for (const [name, definition] of Object.entries(declared)) {
    const type = checkDeclaration(section, name, definition, d)
    if (type) types.set(name, type)
  }
  return types
}

function checkDeclaration(section: 'parameters' | 'variables', name: string, definition: unknown, d: Diagnostics): string | undefined {
  const path = [section, name]
  if (!parameterName.test(name))
    d.error(
      'parameter-name',
      path,
      `${section === 'parameters' ? 'Parameter' : 'Variable'} name "${name}" has characters a {{ }} reference cannot hold.`,
      'use letters, digits, _ and - only.',
      true,
    )
  if (!isMapping(definition)) {
    d.error('parameter-type', path, `${name} has no definition.`, 'give it at least a type, e.g. type: String.')
    return undefined
  }
  const type = definition.type
  if (typeof type !== 'string' || !(parameterTypes.includes(type) || awsType.test(type))) {
    d.error(
      'parameter-type',
      type === undefined ? path : [...path, 'type'],
      type === undefined ? `${name} has no type.` : `${name} has the unknown type ${JSON.stringify(type)}.`,
      `use one of ${parameterTypes.join(', ')} or an AWS::* type such as AWS::EC2::Instance::Id${typeof type === 'string' ? ` (${d.suggest(type, parameterTypes, 'type')})` : ''}.`,
    )
    return undefined
  }
  for (const field of Object.keys(definition)) {
    if (!parameterFields.includes(field))
      d.warning('unknown-field', [...path, field], `Unknown field ${field} in ${name}.`, `remove it, or ${d.suggest(field, parameterFields, 'field')}`, true)
  }
  const {allowedValues} = definition
  if (allowedValues !== undefined && (!Array.isArray(allowedValues) || allowedValues.length === 0)) {
    d.error('allowed-values', [...path, 'allowedValues'], `allowedValues of ${name} must be a non-empty list.`, 'list the values, one per line.')
  }
  const pattern = checkPattern(name, definition.allowedPattern, [...path, 'allowedPattern'], d)
  if (definition.default !== undefined) checkDefault(name, type, definition, pattern, [...path, 'default'], d)
  return type
}

/** The pattern opsctl can check values against, if there is one. */
function checkPattern(name: string, pattern: unknown, path: (string | number)[], d: Diagnostics): {matches(value: string): boolean} | undefined {
  if (pattern === undefined) return undefined
  if (typeof pattern !== 'string') {
    d.error('allowed-pattern', path, `allowedPattern of ${name} must be a string.`, "quote the regular expression, e.g. '^i-[a-z0-9]{8,17}$'.")
    return undefined
  }
  const compiled = allowedPattern(pattern)
  if ('matches' in compiled) return compiled
  d.warning(
    'allowed-pattern',
    path,
    `allowedPattern of ${name} is not a regular expression opsctl can evaluate (${compiled.unsupported}), so opsctl cannot check values against it.`,
    'SSM may still accept it; simplify it if you want opsctl to check values.',
  )
  return undefined
}

/**
 * A default that does not fit its own type, allowedValues or allowedPattern is a warning, not an error: SSM checks
 * the values of an execution when it starts, not defaults when the document is created, and a run that is given
 * the parameter never uses the default.
 */
function checkDefault(
  name: string,
  type: string,
  definition: Record<string, unknown>,
  pattern: {matches(value: string): boolean} | undefined,
  path: (string | number)[],
  d: Diagnostics,
): void {
  const value = definition.default
  if (!fitsParameterType(value, type)) {
    d.warning(
      'default-type',
      path,
      `The default of ${name} is not ${article(type)} ${type}; a run that does not give ${name} may be refused.`,
      `give ${article(type)} ${type} default${type === 'StringList' ? ' (a list)' : ''}, or change the type.`,
    )
    return
  }
  if (hasReference(value)) return
  const items = Array.isArray(value) ? value : [value]
  const {allowedValues} = definition
  const allowed = Array.isArray(allowedValues) ? new Set(allowedValues.map(String)) : undefined
  if (allowed && items.some((v) => !allowed.has(String(v)))) {
    d.warning(
      'default-not-allowed',
      path,
      `The default of ${name} (${JSON.stringify(value)}) is not one of its allowedValues; a run that does not give ${name} may be refused.`,
      `use one of ${[...allowed].join(', ')}.`,
    )
  }
  if (pattern && items.some((v) => typeof v === 'string' && v !== '' && !pattern.matches(v))) {
    d.warning(
      'default-not-allowed',
      path,
      `The default of ${name} (${JSON.stringify(value)}) does not match its allowedPattern ${definition.allowedPattern}; a run that does not give ${name} may be refused.`,
      'change the default or the pattern.',
    )
  }
}
