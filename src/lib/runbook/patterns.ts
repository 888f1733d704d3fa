import {RE2JS} from 're2js'

/** An allowedPattern opsctl can check values against, or why it cannot. */
export type AllowedPattern = {matches(value: string): boolean} | {unsupported: string}

const compiled = new Map<string, AllowedPattern>()

/**
 * A parameter's allowedPattern, evaluated by RE2 (linear in the length of the value, whatever the pattern:
 * `^(a+)+$` cannot backtrack for minutes on a crafted value). RE2 reads the syntax AWS documents use
 * (`^…$`, `\A…\z`, `(?i)`, classes and counted repeats); lookarounds and backreferences it refuses, and
 * such a pattern is reported as one opsctl cannot check.
 */
export function allowedPattern(pattern: string): AllowedPattern {
  let found = compiled.get(pattern)
  if (!found) {
    try {
      const re = RE2JS.compile(pattern)
      found = {matches: (value) => re.matcher(value).find()}
    } catch (error) {
      found = {unsupported: (error as Error).message.replace(/^error parsing regexp: /, '')}
    }
    compiled.set(pattern, found)
  }
  return found
}
