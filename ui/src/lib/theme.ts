// Light, dark or the system's choice, kept between runs.

export type ThemeChoice = 'light' | 'dark' | 'system'
const KEY = 'greenroom.theme'

/** The stored choice (`system` when none). */
export function storedTheme(): ThemeChoice {
  const value = localStorage.getItem(KEY)
  return value === 'light' || value === 'dark' ? value : 'system'
}

/** The theme to paint with for a choice. */
export function resolveTheme(choice: ThemeChoice, prefersDark: boolean): 'light' | 'dark' {
  if (choice === 'system') return prefersDark ? 'dark' : 'light'
  return choice
}

function systemDark(): boolean {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false
}

/** Paints the document with a choice and remembers it. */
export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') localStorage.removeItem(KEY)
  else localStorage.setItem(KEY, choice)
  document.documentElement.dataset.theme = resolveTheme(choice, systemDark())
}

/** Follows the system's changes while the choice is `system`. */
export function watchSystemTheme(): void {
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (storedTheme() === 'system') applyTheme('system')
  })
}

/** The next choice in the cycle light → dark → system. */
export function nextTheme(choice: ThemeChoice): ThemeChoice {
  return choice === 'light' ? 'dark' : choice === 'dark' ? 'system' : 'light'
}
