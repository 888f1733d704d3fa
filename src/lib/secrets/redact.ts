import {isSecretName, REDACTED, registerSecret} from './secrets.js'

/**
 * A deep copy with every secret value replaced, by key name or because the caller declared it secret.
 * Each value it replaces is registered, so that it is masked wherever else it turns up (a message, a report).
 */
export function redact<T>(value: T, secretNames: readonly string[] = []): T {
  const declared = new Set(secretNames)
  const walk = (v: unknown, key?: string): unknown => {
    if (key !== undefined && (declared.has(key) || isSecretName(key)) && v !== undefined && v !== null) {
      // A value, not a structure under a secret-sounding name (whose status and ids would then be masked everywhere).
      if (declared.has(key) || typeof v !== 'object' || v instanceof Uint8Array) registerSecret(v)
      return REDACTED
    }
    if (Array.isArray(v)) return v.map((item) => walk(item))
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner, k)]))
    }
    return v
  }
  return walk(value) as T
}
