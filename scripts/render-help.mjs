// Renders every command's --help at build time into dist/help/<command-id>.txt, as oclif itself
// renders it for a pipe (80 columns). bin/run.js prints these for `opsctl <topic> <verb> --help`
// without loading oclif, which makes help as quick as --version (see bench/startup.mjs).
import {mkdirSync, writeFileSync} from 'node:fs'

process.env.OCLIF_COLUMNS = '80'
const {Config, Help} = await import('@oclif/core')

class CapturingHelp extends Help {
  lines = []
  log(...args) {
    this.lines.push(args.join(' '))
  }
}

const config = await Config.load({root: new URL('..', import.meta.url).pathname})
mkdirSync('dist/help', {recursive: true})
for (const command of config.commands.filter((c) => !c.hidden)) {
  const help = new CapturingHelp(config)
  await help.showCommandHelp(command)
  writeFileSync(`dist/help/${command.id.replaceAll(' ', ':')}.txt`, `${help.lines.join('\n')}\n`)
}
