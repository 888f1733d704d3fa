#!/usr/bin/env node
// `--version` is answered before oclif loads: scripts call it often and it needs nothing but package.json.
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const {readFileSync} = await import('node:fs')
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`opsctl/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // opsctl supports Node 20.19+ and pins SDK releases that do; the SDK's notice about its future Node 22 floor is noise for operators.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
