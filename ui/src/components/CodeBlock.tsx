import { useMemo } from 'react'
import { highlightLines } from '../lib/highlight'

interface Props {
  text: string
  language: 'yaml' | 'json' | 'graphql' | 'protobuf' | 'text'
  /** The number of the first line. */
  firstLine?: number
  /** Lines to mark (e.g. where problems are). */
  marked?: number[]
  id?: string
}

/** Source text, highlighted, with line numbers. */
export function CodeBlock({ text, language, firstLine = 1, marked = [], id }: Props) {
  const lines = useMemo(() => highlightLines(text, language), [text, language])
  return (
    <pre className="code" id={id} tabIndex={0} aria-label={`${language} source`}>
      <code>
        {lines.map((html, i) => (
          <span
            key={i}
            className="line"
            data-n={firstLine + i}
            style={marked.includes(firstLine + i) ? { background: 'var(--danger-soft)' } : undefined}
            dangerouslySetInnerHTML={{ __html: html || ' ' }}
          />
        ))}
      </code>
    </pre>
  )
}
