import {expect} from 'chai'

import {compareVersions, formatVersion, parseVersion, versionFromOutput} from '../../../src/lib/patch/version.js'

const v = (text: string) => parseVersion(text)
const ordered = (texts: string[]) => texts.map(v).sort(compareVersions).map(formatVersion)

describe('PostgreSQL versions', () => {
  it('orders by number, component by component, not as strings', () => {
    expect(ordered(['15.10', '15.9', '15.8', '10.1', '9.6.24', '9.6', '16'])).to.deep.equal(['9.6', '9.6.24', '10.1', '15.8', '15.9', '15.10', '16'])
    expect(compareVersions(v('15.10'), v('15.9'))).to.be.above(0)
    expect(compareVersions(v('9.6.24'), v('10.1'))).to.be.below(0)
  })

  it('counts a missing component as zero', () => {
    expect(compareVersions(v('15'), v('15.0'))).to.equal(0)
    expect(compareVersions(v('15.0.1'), v('15'))).to.be.above(0)
  })

  it('writes a version back as it was typed, without surrounding space', () => {
    expect(formatVersion(v(' 15.8 '))).to.equal('15.8')
    expect(formatVersion(v('9.6.24'))).to.equal('9.6.24')
  })

  it('refuses what is not a version, in one sentence that says how to write one (exit 2)', () => {
    for (const text of ['', 'latest', '15.x', '15.', '.8', '15..8', 'v15.8', '15.8-1', '1.2.3.4.5', '1234567', '-15'])
      expect(() => parseVersion(text), text)
        .to.throw(`--min-version "${text}" is not a version; write numbers separated by dots, like 15.8 or 9.6.24.`)
        .with.property('exitCode', 2)
  })

  it('names the flag it reads', () => {
    expect(() => parseVersion('x', '--version')).to.throw('--version "x" is not a version')
  })
})

describe('the version a server reports', () => {
  const read = (text: string) => {
    const version = versionFromOutput(text, 'postgresql')
    return version && formatVersion(version)
  }

  it('reads psql --version', () => {
    expect(read('psql (PostgreSQL) 15.8')).to.equal('15.8')
    expect(read('psql (PostgreSQL) 16.4 (Ubuntu 16.4-1.pgdg22.04+1)\n')).to.equal('16.4')
  })

  it('reads rpm -q, whatever the major version and suffix in the package name', () => {
    expect(read('postgresql15-15.8-1.amzn2023.x86_64')).to.equal('15.8')
    expect(read('postgresql15-server-15.10-1.amzn2023.x86_64')).to.equal('15.10')
    expect(read('postgresql-13.4-1.el8.x86_64')).to.equal('13.4')
  })

  it('reads dpkg-query and SSM Inventory AWS:Application versions', () => {
    expect(read('15.8-1.pgdg22.04+1')).to.equal('15.8')
    expect(read('1:9.6.24-0+deb9u1')).to.equal('9.6.24')
    expect(read('15.8')).to.equal('15.8')
  })

  it('reads the first line that holds a version', () => {
    expect(read('warning: something\npostgresql15-15.8-1.amzn2023.x86_64\npsql (PostgreSQL) 16.1')).to.equal('15.8')
  })

  it('finds none in what holds none, nor in another package', () => {
    for (const text of ['', 'package postgresql is not installed', 'psql: command not found', 'mysql-8.0.36-1.el8.x86_64', 'PostgreSQL 15.8'])
      expect(read(text), text).to.equal(undefined)
  })
})
