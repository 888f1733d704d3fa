import {referencesIn, interpolate} from '/work/main/src/lib/runbook/references.ts'
const old = /\{\{\s*([^{}]*?)\s*\}\}/g
const cases = ['{{ a }}', '{{{ a }}', '{{ a }}}', 'x {{a}} y {{ b.c }}', '{{ {{ a }}', '{{ a } }}', '{{}}', '{{ }}', '{ { a }}', '{{a}}{{b}}', '{{{{a}}}}', 'no', '{{ a', 'a }}', '{{ x {y} }} {{ z }}']
for (const c of cases) {
  const a = [...c.matchAll(old)].map((m) => m[1])
  const b = referencesIn(c).map((r) => r.text)
  console.log(JSON.stringify(a) === JSON.stringify(b) ? 'same' : 'DIFF', JSON.stringify(c), a, b)
}
let t = performance.now(); referencesIn('{{' + ' '.repeat(2_000_000)); console.log('spaces', Math.round(performance.now() - t))
t = performance.now(); referencesIn('{{'.repeat(1_000_000)); console.log('opens', Math.round(performance.now() - t))
t = performance.now(); try { [...('{{' + ' '.repeat(20000)).matchAll(old)] } catch {} ; console.log('old 20k', Math.round(performance.now() - t))
console.log(interpolate('a {{ x }} b {{y}}', (r) => r.text.toUpperCase()), interpolate('{{ x }}', () => [1]))
