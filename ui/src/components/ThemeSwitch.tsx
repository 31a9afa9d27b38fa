import { useState } from 'react'
import { type ThemeChoice, applyTheme, storedTheme } from '../lib/theme'

const CHOICES: { value: ThemeChoice; label: string }[] = [
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
  { value: 'system', label: 'System' },
]

/** Light, dark or system theme. */
export function ThemeSwitch() {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme)
  return (
    <label className="small">
      Theme{' '}
      <select
        value={choice}
        aria-label="Theme"
        onChange={(e) => {
          const value = e.target.value as ThemeChoice
          setChoice(value)
          applyTheme(value)
        }}
      >
        {CHOICES.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  )
}
