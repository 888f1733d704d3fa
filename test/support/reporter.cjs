// The spec reporter, plus one plain closing line ("mocha: N passed, N failed, N skipped") that CI
// systems which do not know mocha's own summary can read.
const Mocha = require('mocha')

class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options)
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const {passes, failures, pending} = runner.stats
      process.stdout.write(`mocha: ${passes} passed, ${failures} failed, ${pending} skipped\n`)
    })
  }
}

module.exports = SpecWithTotals
