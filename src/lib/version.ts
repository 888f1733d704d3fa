import {readFileSync} from 'node:fs'

/** opsctl's version, from its package.json (read once, at first use). */
export const opsctlVersion: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version
