import {closest} from '../cli/closest.js'

/** "did you mean X?" or a list of what exists; `compare: false` lists without looking for the nearest (a bound on hostile documents). */
export function didYouMean(word: string, candidates: readonly string[], noun: string, {compare = true} = {}): string {
  const near = compare ? closest(word, candidates) : undefined
  if (near) return `did you mean ${near}?`
  return candidates.length > 0 ? `the ${noun}s are ${candidates.slice(0, 8).join(', ')}${candidates.length > 8 ? ', …' : ''}` : `declare the ${noun} first`
}
