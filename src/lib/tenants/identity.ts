import {readFile} from 'node:fs/promises'

import {CORE_SCHEMA, load} from 'js-yaml'

import {UsageError} from '../errors/errors.js'

/** Identity data of a site (PRACTICES.md, step 5 of provisioning): who may do what. */
export interface Identity {
  users: {email: string; name?: string; groups: string[]}[]
  groups: {name: string; permissions: string[]}[]
}

/** The permissions a group may hold. */
export const permissions = ['administer-site', 'administer-products', 'manage-users', 'manage-billing', 'use-products', 'browse'] as const

const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const groupName = /^[a-z0-9][a-z0-9._-]{0,63}$/
/** An identity file is small; a larger one is not an identity file. */
const MAX_BYTES = 1024 * 1024

/** Reads and checks an identity file (YAML or JSON): every refusal is one sentence naming the file and what to fix; nothing is written. */
export async function loadIdentity(file: string): Promise<Identity> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read the identity file ${file} (${error.code ?? error.message}); check the path.`, 'InvalidIdentity')
  })
  const refuse = (what: string) => new UsageError(`Identity file ${file}: ${what}.`, 'InvalidIdentity')
  if (Buffer.byteLength(text) > MAX_BYTES) throw refuse('it is larger than 1 MB')
  let value: unknown
  try {
    value = load(text, {schema: CORE_SCHEMA, filename: file})
  } catch (error) {
    throw refuse(`it does not parse (${(error as {reason?: string}).reason ?? (error as Error).message})`)
  }
  return checkIdentity(value, refuse)
}

function checkIdentity(value: unknown, refuse: (what: string) => UsageError): Identity {
  const doc = (value ?? {}) as {users?: unknown; groups?: unknown}
  if (!Array.isArray(doc.users ?? []) || !Array.isArray(doc.groups ?? [])) throw refuse('users and groups must be lists')
  const groups = ((doc.groups ?? []) as Record<string, unknown>[]).map((g, i) => {
    const name = String(g?.name ?? '')
    if (!groupName.test(name)) throw refuse(`group ${i + 1} has no valid name ("${name}"); use lowercase letters, digits, ".", "_" and "-"`)
    const held = Array.isArray(g.permissions) ? g.permissions.map(String) : []
    const unknown = held.find((p) => !(permissions as readonly string[]).includes(p))
    if (unknown) throw refuse(`group ${name} names the unknown permission "${unknown}"; the permissions are ${permissions.join(', ')}`)
    return {name, permissions: held}
  })
  const known = new Set(groups.map((g) => g.name))
  const users = ((doc.users ?? []) as Record<string, unknown>[]).map((u, i) => {
    const address = String(u?.email ?? '')
    if (!email.test(address)) throw refuse(`user ${i + 1} has no valid e-mail address ("${address}")`)
    const memberOf = Array.isArray(u.groups) ? u.groups.map(String) : []
    const missing = memberOf.find((g) => !known.has(g))
    if (missing) throw refuse(`user ${address} is in group ${missing}, which the file does not define`)
    return {email: address, name: typeof u.name === 'string' ? u.name : undefined, groups: memberOf}
  })
  return {users, groups}
}
