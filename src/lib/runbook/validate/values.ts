import {referencesIn} from '../references.js'

/** Shapes of values as written in a document, which the checks test. `{{ }}` references are not resolved here. */

export const isMapping = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v)

/** Holds a `{{ }}` that SSM resolves (not merely double braces, as a shell command's `{{ print $2 }}`). */
export const hasReference = (v: unknown) => typeof v === 'string' && v.includes('{{') && referencesIn(v).length > 0

/** Given, and not a reference: a value that can be checked before the run. */
export const isLiteral = (v: unknown) => v !== undefined && !hasReference(v)

export const isEmpty = (v: unknown) => v === null || v === '' || (Array.isArray(v) && (v.length === 0 || v.every((x) => x === '' || x === null)))

/** A whole number of at least min, written as a number or as digits in a string ("600", as SSM accepts), or a reference. */
export const isWholeNumber = (v: unknown, min: number) => {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v
  return (typeof n === 'number' && Number.isInteger(n) && n >= min) || hasReference(v)
}

export const article = (word: string) => (/^[AEIOU]/.test(word) ? 'an' : 'a')
