import {closest} from '../cli/closest.js'

/** "did you mean X?" or a list of what exists. */
export function didYouMean(word: string, candidates: string[], noun: string): string {
  const near = closest(word, candidates)
  if (near) return `did you mean ${near}?`
  return candidates.length > 0 ? `the ${noun}s are ${candidates.slice(0, 8).join(', ')}${candidates.length > 8 ? ', …' : ''}` : `declare the ${noun} first`
}
