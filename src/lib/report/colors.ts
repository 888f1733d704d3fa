import {Chalk, supportsColor} from 'chalk'

/** Colour only where the terminal supports it, and never when NO_COLOR is set (https://no-color.org). */
export const color = new Chalk({level: process.env.NO_COLOR ? 0 : supportsColor ? supportsColor.level : 0})
