import {UsageError} from '../errors/errors.js'

/**
 * Package versions as numbers, compared component by component (15.10 is above 15.9, 9.6.24 below 10.1), never as
 * strings; and the version read from what a server reports: psql, rpm, dpkg or SSM Inventory.
 */

/** A version such as 15.8 or 9.6.24: its numeric components, most significant first. */
export interface Version {
  readonly parts: readonly number[]
}

/** More components than any PostgreSQL version has, and digits enough for any of them: longer input is not a version. */
const MAX_PARTS = 4
const MAX_DIGITS = 6
const VERSION = new RegExp(`^\\d{1,${MAX_DIGITS}}(\\.\\d{1,${MAX_DIGITS}}){0,${MAX_PARTS - 1}}$`)

const toVersion = (text: string): Version => ({parts: text.split('.').map(Number)})

/** A version as typed (--min-version 15.8); anything else is a usage error saying how to write one. */
export function parseVersion(text: string, flag = '--min-version'): Version {
  const trimmed = text.trim()
  if (!VERSION.test(trimmed)) {
    throw new UsageError(`${flag} "${text}" is not a version; write numbers separated by dots, like 15.8 or 9.6.24.`, 'InvalidVersion')
  }
  return toVersion(trimmed)
}

/** Negative when a is below b, 0 when equal, positive when above; a missing component counts as 0 (15 = 15.0). */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.parts.length, b.parts.length); i++) {
    const difference = (a.parts[i] ?? 0) - (b.parts[i] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}

export const formatVersion = (version: Version) => version.parts.join('.')

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const NUMBER = `\\d{1,${MAX_DIGITS}}(?:\\.\\d{1,${MAX_DIGITS}}){0,${MAX_PARTS - 1}}`

/** The ways a server reports the installed version, each with the version in its first group. */
const reports = (pkg: string) => [
  // psql --version: "psql (PostgreSQL) 15.8", also "psql (PostgreSQL) 16.4 (Ubuntu 16.4-1.pgdg22.04+1)".
  new RegExp(`^psql \\(PostgreSQL\\) (${NUMBER})\\b`),
  // rpm -q: name-version-release.arch, the name being the package with its major version and a suffix:
  // "postgresql15-15.8-1.amzn2023.x86_64", "postgresql15-server-15.8-1.amzn2023.x86_64".
  new RegExp(`^${escaped(pkg)}[\\w.+-]*?-(${NUMBER})-[^-\\s]+$`),
  // dpkg-query ${Version} and SSM Inventory's AWS:Application Version: "[epoch:]upstream[-revision]", e.g.
  // "15.8-1.pgdg22.04+1" or "15.8".
  new RegExp(`^(?:\\d+:)?(${NUMBER})(?:[-+~][\\w.+~:-]*)?$`),
]

/**
 * The version in what a server reported for the package (psql, rpm -q, dpkg-query, SSM Inventory), or undefined when
 * the text holds none: the first line that does is read.
 */
export function versionFromOutput(text: string, pkg: string): Version | undefined {
  const patterns = reports(pkg)
  for (const line of text.split('\n').map((l) => l.trim())) {
    for (const pattern of patterns) {
      const match = pattern.exec(line)
      if (match) return toVersion(match[1])
    }
  }
  return undefined
}
