/*
 * Secrets are tracked by value. Every value from a secret source — a parameter whose name marks it secret,
 * a SecureString or Secrets Manager read, KMS plaintext — is registered once, and every place opsctl writes
 * text (the terminal, journals, reports) masks it, whatever field or message it turns up in.
 */

export const REDACTED = '***'

/**
 * Names whose values are secrets wherever they appear: parameters and outputs. Not the names of what
 * describes a secret (SecretArn, SecretStatus, PasswordLastUsed, DbPasswordRotationDays …).
 */
export const isSecretName = (name: string) =>
  /password|passphrase|secret|plaintext|private.?key|session.?token|access.?token|securestring/i.test(name) &&
  !/(arn|ids?|names?|status|type|version|date|time|used|count|enabled|length|days|policy|rotation\w*)$/i.test(name)

/** Shorter values are not masked: they would blank out ordinary words and numbers. */
const MIN_LENGTH = 4

const known = new Set<string>()
/** Every registered value as it may be written: as is, escaped in JSON, in XML, in a Markdown table. Longest first. */
let written: string[] = []

const escapedForms = (value: string) => [
  value,
  JSON.stringify(value).slice(1, -1),
  value.replace(/[<>&"']/g, (c) => ({'<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;'})[c]!),
  value.replace(/\|/g, '\\|'),
]

/** Registers a secret value; in an object or a list, every value in it. */
export function registerSecret(value: unknown): void {
  if (Array.isArray(value) || (value && typeof value === 'object' && !(value instanceof Uint8Array))) {
    for (const inner of Object.values(value)) registerSecret(inner)
    return
  }
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value)
    for (const form of [bytes.toString('base64'), bytes.toString('hex')]) registerSecret(form)
    return
  }
  if (typeof value !== 'string' || value.length < MIN_LENGTH || known.has(value)) return
  known.add(value)
  written = [...new Set([...written, ...escapedForms(value)])].sort((a, b) => b.length - a.length)
}

/** The text with every registered secret replaced by ***. */
export function maskSecrets(text: string): string {
  let masked = text
  for (const form of written) if (masked.includes(form)) masked = masked.split(form).join(REDACTED)
  return masked
}

/** Masks what this process writes to the terminal: stdout and stderr carry no secret, whoever writes there. */
export function maskTerminalOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if ((stream as {masked?: boolean}).masked) continue
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (written.length === 0) return write(chunk, ...rest)
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined
      return write(text === undefined ? chunk : maskSecrets(text), ...rest)
    }) as typeof stream.write
    Object.assign(stream, {masked: true})
  }
}
