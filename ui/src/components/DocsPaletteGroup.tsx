import { Command } from 'cmdk'
import { useEffect, useState } from 'react'
import type { DocHit } from '../bindings/DocHit'
import { docsApi, docsRoute } from '../docsApi'
import { entityPath } from '../lib/refs'

/** Most docs sections the palette lists. */
const RESULTS = 8

/** The palette's docs sections across every site: choosing one opens the page at its heading. */
export function DocsPaletteGroup({ text, onGo }: { text: string; onGo: (path: string) => void }) {
  const [hits, setHits] = useState<DocHit[]>([])
  useEffect(() => {
    const typed = text.trim()
    if (!typed) return
    let current = true
    const timer = window.setTimeout(() => {
      docsApi.search(typed, null, RESULTS).then(
        (found) => current && setHits(found),
        () => current && setHits([]),
      )
    }, 60)
    return () => {
      current = false
      window.clearTimeout(timer)
    }
  }, [text])
  const shown = text.trim() ? hits.filter((hit) => hit.entity) : []
  if (shown.length === 0) return null
  return (
    <Command.Group heading="Docs">
      {shown.map((hit) => {
        const key = `${hit.siteId}:${hit.pageUrl}#${hit.anchor ?? ''}`
        return (
          <Command.Item
            key={key}
            value={`docs:${key}`}
            data-docs-page={hit.pageUrl}
            data-docs-anchor={hit.anchor ?? ''}
            onSelect={() => onGo(docsRoute(entityPath(hit.entity!), hit.pageUrl, hit.anchor))}
          >
            <span className="kind">Docs</span>
            <div className="text">
              <strong>{hit.title}</strong>
              <span>
                {hit.siteName}
                {hit.title !== hit.pageTitle ? ` › ${hit.pageTitle}` : ''}
                {hit.excerpt ? ` — ${hit.excerpt}` : ''}
              </span>
            </div>
          </Command.Item>
        )
      })}
    </Command.Group>
  )
}
