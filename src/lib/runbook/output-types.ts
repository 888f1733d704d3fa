import {OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'

export const outputTypes = ['String', 'Integer', 'Boolean', 'StringList', 'StringMap', 'MapList'] as const

/** Converts a selected value to a step output's declared Type (String when it declares none), as SSM does; fails when it cannot. */
export function coerceOutput(value: unknown, declared: string | undefined, where: string): unknown {
  const type = declared ?? 'String'
  // A list of one (what a filter or wildcard selects when one thing matches) is that one value.
  if (Array.isArray(value) && value.length === 1 && ['String', 'Integer', 'Boolean'].includes(type)) return coerceOutput(value[0], type, where)
  const fail = () =>
    new OpsctlError(`Output ${where} is ${JSON.stringify(value)}, which is not a ${type}; change its Selector or Type.`, ExitCode.WorkflowFailed, 'OutputType')
  switch (type) {
    case 'String':
      return typeof value === 'string' ? value : value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
    case 'Integer': {
      const n = typeof value === 'number' ? value : Number(value)
      if (!Number.isInteger(n)) throw fail()
      return n
    }
    case 'Boolean':
      if (typeof value === 'boolean') return value
      if (value === 'true' || value === 'false') return value === 'true'
      throw fail()
    case 'StringList':
      return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
    case 'StringMap':
      if (value && typeof value === 'object' && !Array.isArray(value)) return value
      throw fail()
    case 'MapList':
      if (Array.isArray(value) && value.every((v) => v && typeof v === 'object')) return value
      throw fail()
    default:
      return value
  }
}
