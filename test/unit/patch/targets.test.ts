import {expect} from 'chai'

import {describeTargets, parseTargets, ssmTargets} from '../../../src/lib/patch/targets.js'

const refusal = (given: {targets?: string[]; instances?: string[]}) => {
  try {
    parseTargets(given)
  } catch (error) {
    expect(error).to.have.property('exitCode', 2)
    return (error as Error).message
  }
  throw new Error(`accepted ${JSON.stringify(given)}`)
}

describe('patch targets as typed', () => {
  it('reads tag targets, all of which must match, as EC2 and SSM take them', () => {
    const spec = parseTargets({targets: ['tag:Role=postgres', ' tag:opsctl:env=prod=eu ']})
    expect(spec).to.deep.equal({
      kind: 'tags',
      tags: [
        {key: 'Role', value: 'postgres'},
        {key: 'opsctl:env', value: 'prod=eu'},
      ],
    })
    expect(ssmTargets(spec)).to.deep.equal([
      {Key: 'tag:Role', Values: ['postgres']},
      {Key: 'tag:opsctl:env', Values: ['prod=eu']},
    ])
    expect(describeTargets(spec)).to.equal('--targets tag:Role=postgres tag:opsctl:env=prod=eu')
  })

  it('reads instance ids, repeated or comma-separated, each once', () => {
    const spec = parseTargets({instances: ['i-0123456789abcdef0,i-12345678', 'i-0123456789abcdef0']})
    expect(spec).to.deep.equal({kind: 'instances', instanceIds: ['i-0123456789abcdef0', 'i-12345678']})
    expect(ssmTargets(spec)).to.deep.equal([{Key: 'InstanceIds', Values: ['i-0123456789abcdef0', 'i-12345678']}])
    expect(describeTargets(spec)).to.equal('--instances i-0123456789abcdef0,i-12345678')
  })

  it('refuses neither and both, in one sentence', () => {
    expect(refusal({})).to.equal('Say which instances: pass --targets tag:Key=Value (repeatable) or --instances i-0123456789abcdef0.')
    expect(refusal({targets: [], instances: []})).to.match(/^Say which instances/)
    expect(refusal({targets: ['tag:Role=postgres'], instances: ['i-12345678']})).to.equal('Pass --targets or --instances, not both.')
  })

  it('refuses a malformed tag target, saying how to write one', () => {
    for (const text of ['Role=postgres', 'tag:Role', 'tag:=postgres', 'tag:Role=', 'tags:Role=postgres', '', `tag:${'k'.repeat(129)}=v`])
      expect(refusal({targets: [text]}), text).to.equal(`--targets "${text}" is not a tag target; write it like tag:Role=postgres.`)
  })

  it('refuses more tag targets than SSM takes', () => {
    const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => `tag:${k}=1`)
    expect(refusal({targets: six})).to.equal('--targets is given 6 times; SSM takes at most 5 tag targets, so narrow them down.')
  })

  it('refuses what is not an instance id', () => {
    for (const text of ['i-123', 'i-0123456789ABCDEF0', 'mi-0123456789abcdef0', 'db-1', 'i-0123456789abcdef0;rm'])
      expect(refusal({instances: [text]}), text).to.equal(`--instances "${text}" is not an EC2 instance id; write it like i-0123456789abcdef0.`)
    expect(parseTargets({instances: ['i-12345678,']})).to.deep.equal({kind: 'instances', instanceIds: ['i-12345678']})
  })
})
