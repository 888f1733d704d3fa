#!/usr/bin/env node
// Two answers come before oclif loads, since scripts and people ask for them often and loading
// oclif costs more than the answer: --version (from package.json) and a command's --help
// (rendered by oclif at build time into dist/help, see scripts/render-help.mjs).
const argv = process.argv.slice(2)
const fastAnswer = await answerWithoutOclif(argv)
if (fastAnswer === undefined) {
  // opsctl supports Node 20.19+ and pins SDK releases that do; the SDK's notice about its future Node 22 floor is noise for operators.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  // In opsctl NO_COLOR wins over FORCE_COLOR (src/lib/report/colors.ts). Node 22+ warns "The 'NO_COLOR'
  // env is ignored due to the 'FORCE_COLOR' env being set" when both are, which is untrue of opsctl's output.
  if (process.env.NO_COLOR) delete process.env.FORCE_COLOR
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
} else {
  process.stdout.write(fastAnswer)
}

async function answerWithoutOclif(args) {
  const {readFileSync} = await import('node:fs')
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
    const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    return `opsctl/${version} ${process.platform}-${process.arch} node-${process.version}\n`
  }
  const words = args.slice(0, -1)
  const wideTerminal = process.stdout.isTTY && process.stdout.columns !== 80
  if (words.length === 0 || !['--help', '-h'].includes(args.at(-1)) || wideTerminal || !words.every((w) => /^[a-z-]+$/.test(w))) return undefined
  try {
    return readFileSync(new URL(`../dist/help/${words.join(':')}.txt`, import.meta.url), 'utf8')
  } catch {
    return undefined
  }
}
