import { describe, expect, it } from 'vitest'
import { plural, timeAgo } from './format'

describe('formatting', () => {
  it('says how long ago', () => {
    const now = 1_000_000_000_000
    expect(timeAgo(now - 10_000, now)).toBe('just now')
    expect(timeAgo(now - 5 * 60_000, now)).toBe('5 minutes ago')
    expect(timeAgo(now - 3600_000, now)).toBe('1 hour ago')
    expect(timeAgo(now - 3 * 86_400_000, now)).toBe('3 days ago')
  })
  it('counts', () => {
    expect(plural(1, 'entity', 'entities')).toBe('1 entity')
    expect(plural(12345, 'entity', 'entities')).toBe('12,345 entities')
  })
})
