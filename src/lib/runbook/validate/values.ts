/** Shapes of values as written in a document, which the checks test. `{{ }}` references are not resolved here. */

export const isMapping = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v)

export const hasReference = (v: unknown) => typeof v === 'string' && v.includes('{{')

/** Given, and not a reference: a value that can be checked before the run. */
export const isLiteral = (v: unknown) => v !== undefined && !hasReference(v)

export const isEmpty = (v: unknown) => v === null || v === '' || (Array.isArray(v) && (v.length === 0 || v.every((x) => x === '' || x === null)))

export const isWholeNumber = (v: unknown, min: number) => (typeof v === 'number' && Number.isInteger(v) && v >= min) || hasReference(v)

export const article = (word: string) => (/^[AEIOU]/.test(word) ? 'an' : 'a')
