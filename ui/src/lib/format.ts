// Small formatting helpers for times and counts.

/** "just now", "5 minutes ago", "3 days ago" — relative to `now`. */
export function timeAgo(millis: number, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - millis) / 1000))
  if (seconds < 45) return 'just now'
  const units: [number, string][] = [
    [60, 'minute'],
    [3600, 'hour'],
    [86400, 'day'],
    [86400 * 30, 'month'],
    [86400 * 365, 'year'],
  ]
  let result = ''
  for (let i = units.length - 1; i >= 0; i--) {
    const [size, name] = units[i]
    if (seconds >= size) {
      const n = Math.round(seconds / size)
      result = `${n} ${name}${n === 1 ? '' : 's'} ago`
      break
    }
  }
  return result || '1 minute ago'
}

/** 12,345 */
export function count(n: number): string {
  return n.toLocaleString('en-US')
}

/** "1 entity", "3 entities" */
export function plural(n: number, one: string, many: string): string {
  return `${count(n)} ${n === 1 ? one : many}`
}

/** "1.2 MB", "512 B" */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB']
  let value = n / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
