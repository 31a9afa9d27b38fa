import { render } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { highlightLines } from '../lib/highlight'
import { CodeBlock } from './CodeBlock'

describe('highlighted source', () => {
  it('keeps every line self-contained when a token spans lines', () => {
    const lines = highlightLines('description: |\n  two\n  lines\nname: x', 'yaml')
    for (const line of lines) {
      const opened = (line.match(/<span/g) ?? []).length
      const closed = (line.match(/<\/span>/g) ?? []).length
      expect(opened).toBe(closed)
    }
    expect(lines).toHaveLength(4)
  })

  it('escapes markup from the repository instead of running it', () => {
    const { container } = render(
      <CodeBlock text={'name: <img src=x onerror=alert(1)>\n<script>alert(2)</script>'} language="yaml" />,
    )
    expect(container.querySelector('img')).toBeNull()
    expect(container.querySelector('script')).toBeNull()
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>')
  })

  it('numbers lines from where the document starts and marks problem lines', () => {
    const { container } = render(<CodeBlock text={'a: 1\nb: 2'} language="yaml" firstLine={7} marked={[8]} />)
    const lines = container.querySelectorAll('.line')
    expect([...lines].map((l) => l.getAttribute('data-n'))).toEqual(['7', '8'])
    expect((lines[1] as HTMLElement).style.background).not.toBe('')
    expect((lines[0] as HTMLElement).style.background).toBe('')
  })
})
