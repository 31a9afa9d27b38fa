import { describe, expect, it } from 'vitest'
import { initials, orgSyncLabel, signInLabel } from './account'

describe('account words', () => {
  it('makes initials', () => {
    expect(initials('Ada Lovelace')).toBe('AL')
    expect(initials('  grace  brewster murray hopper ')).toBe('GH')
    expect(initials('Cher')).toBe('C')
    expect(initials('')).toBe('?')
  })

  it('tells what a sign-in is waiting for', () => {
    expect(signInLabel(null)).toBe('Starting…')
    expect(signInLabel({ step: 'waitingForBrowser', timeoutSecs: 300 })).toContain('up to 5 minutes')
    expect(signInLabel({ step: 'deviceCode', userCode: 'ABC', verificationUri: 'https://x', expiresInSecs: 900 })).toContain(
      'enter the code',
    )
    expect(signInLabel({ step: 'signedIn', name: 'Ada Lovelace' })).toBe('Signed in as Ada Lovelace')
  })

  it('tells what an organisation sync is reading', () => {
    expect(orgSyncLabel({ step: 'reading', what: 'users', count: 120 })).toBe('Reading users: 120')
    expect(orgSyncLabel({ step: 'members', done: 3, total: 9 })).toBe('Reading members: 3 of 9 groups')
  })
})
