import {stripVTControlCharacters} from 'node:util'

import {color} from '../../report/colors.js'
import type {InventoryProgress} from '../inventory/index.js'
import type {ScanIO} from '../scan.js'

type InventoryState = InventoryProgress['state']
/** Each region's inventories in the order their reads began, with how each is going. */
export type RegionProgress = Map<string, Map<InventoryProgress['inventory'], InventoryState>>

// What is still going on and what went wrong come first: the list of what was read only grows.
const stages: [InventoryState, string, (text: string) => string][] = [
  ['reading', 'reading', (text) => text],
  ['unreadable', 'could not read', color.red],
  ['read', 'read', color.green],
]
const label = (inventory: string) => inventory.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** One region's line ("us-east-1  reading ebs, s3 · could not read ssm · read rds, kms"), cut with an ellipsis where it would not fit. */
function regionLine(region: string, inventories: Map<string, InventoryState>, width: number): string {
  const parts = stages.flatMap(([stage, words, paint]) => {
    const names = [...inventories].filter(([, state]) => state === stage).map(([inventory]) => label(inventory))
    return names.length > 0 ? [paint(`${words} ${names.join(', ')}`)] : []
  })
  const line = `${region}  ${parts.length > 0 ? parts.join(' · ') : color.gray('waiting')}`
  const plain = stripVTControlCharacters(line)
  return plain.length > width ? `${plain.slice(0, width - 1)}…` : line
}

/**
 * The live lines of a scan: a line per region saying which inventories are being read, read, or could not be read.
 * When the regions outnumber the terminal's rows, the regions being read and a count of the others.
 */
export function progressLines(progress: RegionProgress, terminal: {columns: number; rows: number}): string[] {
  const regionWidth = Math.max(...[...progress.keys()].map((region) => region.length))
  const line = (region: string) => regionLine(region.padEnd(regionWidth), progress.get(region)!, terminal.columns - 1)
  if (progress.size < terminal.rows) return [...progress.keys()].map(line)
  const states = (region: string) => [...progress.get(region)!.values()]
  const reading = [...progress.keys()].filter((region) => states(region).includes('reading'))
  const done = [...progress.keys()].filter((region) => states(region).length > 0 && !states(region).includes('reading')).length
  return [...reading.map(line), `${done} of ${progress.size} regions read, ${progress.size - done - reading.length} waiting`]
}

/** Draws lines on a terminal in place of those it drew last; drawing none clears them. */
function liveLines(terminal: NodeJS.WriteStream): (lines: string[]) => void {
  let drawn = 0
  return (lines) => {
    terminal.write(`\r${drawn > 0 ? `\u001B[${drawn}A` : ''}\u001B[J${lines.map((l) => `${l}\n`).join('')}`)
    drawn = lines.length
  }
}

/**
 * Runs a scan while a terminal shows its progress, then clears the lines so that the report follows on a clean
 * screen. The lines are redrawn in place, without hiding the cursor, so Ctrl-C leaves the terminal as it was.
 */
export async function withScanProgress<T>(
  regions: string[],
  terminal: NodeJS.WriteStream,
  scan: (onProgress: (progress: InventoryProgress) => void) => Promise<T>,
): Promise<T> {
  const progress: RegionProgress = new Map(regions.map((r) => [r, new Map()]))
  const draw = liveLines(terminal)
  const redraw = () => draw(progressLines(progress, {columns: terminal.columns || 100, rows: terminal.rows || 24}))
  redraw()
  // Reads start and end in bursts: one redraw for each burst.
  let scheduled: NodeJS.Immediate | undefined
  try {
    return await scan((p) => {
      progress.get(p.region)?.set(p.inventory, p.state)
      scheduled ??= setImmediate(() => {
        scheduled = undefined
        redraw()
      })
    })
  } finally {
    clearImmediate(scheduled)
    draw([])
  }
}

/**
 * One line while the scan learns what it needs before its regions can be read ("finding the account with
 * sts:GetCallerIdentity"), so that a slow or hanging endpoint does not leave a blank terminal; cleared once done.
 */
export async function withStatusLine<T>(terminal: NodeJS.WriteStream, text: string, work: () => Promise<T>): Promise<T> {
  const draw = liveLines(terminal)
  draw([color.gray(text)])
  try {
    return await work()
  } finally {
    draw([])
  }
}

/** A person at a terminal sees the scan's progress on stderr; --json, CI and pipes get none. */
export function terminalProgress(options: {json: boolean}): Pick<ScanIO, 'preparing' | 'withProgress'> {
  const onTerminal = !options.json && process.stdout.isTTY && process.stderr.isTTY && !process.env.CI
  if (!onTerminal) return {}
  return {
    preparing: (what, work) => withStatusLine(process.stderr, what, work),
    withProgress: (regions, scan) => withScanProgress(regions, process.stderr, scan),
  }
}
