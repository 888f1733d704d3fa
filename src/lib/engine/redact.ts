/** Keys whose values are secrets wherever they appear: parameters, outputs, errors. */
const secretKey = /password|passphrase|secret|plaintext|private.?key|session.?token|access.?token|securestring/i

export const REDACTED = '***'

/** A deep copy with every secret value replaced, by key name or because the caller declared it secret. */
export function redact<T>(value: T, secretNames: readonly string[] = []): T {
  const declared = new Set(secretNames)
  const walk = (v: unknown, key?: string): unknown => {
    if (key !== undefined && (declared.has(key) || secretKey.test(key)) && v !== undefined && v !== null) return REDACTED
    if (Array.isArray(v)) return v.map((item) => walk(item))
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner, k)]))
    }
    return v
  }
  return walk(value) as T
}
