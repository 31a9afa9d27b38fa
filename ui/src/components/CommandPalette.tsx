import { Command } from 'cmdk'
import { useEffect, useState } from 'react'
import { useNavigate } from 'react-router'
import { api } from '../api'
import type { SearchHit } from '../bindings/SearchHit'
import { DocsPaletteGroup } from './DocsPaletteGroup'
import { entityPath, kindLabel, shortRef } from '../lib/refs'
import { applyTheme, nextTheme, storedTheme } from '../lib/theme'

/** Most entities the palette lists. */
const RESULTS = 12

interface Props {
  open: boolean
  onOpenChange: (open: boolean) => void
}

/** Ctrl/Cmd+K: find any entity by name, title or any word, and go anywhere, by keyboard. */
export function CommandPalette({ open, onOpenChange }: Props) {
  const navigate = useNavigate()
  const [text, setText] = useState('')
  const [hits, setHits] = useState<SearchHit[]>([])

  const close = (next: boolean) => {
    if (!next) setText('')
    onOpenChange(next)
  }
  useEffect(() => {
    const typed = text.trim()
    if (!typed) return
    let current = true
    const timer = window.setTimeout(() => {
      api.search(typed, RESULTS).then(
        (found) => current && setHits(found),
        () => current && setHits([]),
      )
    }, 60)
    return () => {
      current = false
      window.clearTimeout(timer)
    }
  }, [text])

  const shownHits = text.trim() ? hits : []
  const go = (path: string) => {
    close(false)
    navigate(path)
  }
  return (
    <Command.Dialog
      open={open}
      onOpenChange={close}
      label="Find anything"
      shouldFilter={false}
      overlayClassName="palette-overlay"
      contentClassName="palette"
      loop
    >
      <Command.Input
        value={text}
        onValueChange={setText}
        placeholder="Find an entity or a docs section, or type a command…"
      />
      <Command.List>
        {text.trim() && <Command.Empty>Nothing matches “{text.trim()}”.</Command.Empty>}
        {shownHits.length > 0 && (
          <Command.Group heading="Entities">
            {shownHits.map((hit) => (
              <Command.Item key={hit.key} value={hit.key} onSelect={() => go(entityPath(hit.key))} data-ref={hit.key}>
                <span className="kind">{kindLabel(hit.kind)}</span>
                <div className="text">
                  <strong>{hit.title ?? hit.name}</strong>
                  <span>{hit.description ?? shortRef(hit.key, hit.kind)}</span>
                </div>
              </Command.Item>
            ))}
          </Command.Group>
        )}
        <DocsPaletteGroup text={text} onGo={go} />
        {!text.trim() && (
          <Command.Group heading="Go to">
            <Command.Item value="catalog" onSelect={() => go('/')}>Catalog</Command.Item>
            <Command.Item value="sources" onSelect={() => go('/sources')}>Sources</Command.Item>
            <Command.Item value="errors" onSelect={() => go('/?errors=1')}>Entities whose files have errors</Command.Item>
            <Command.Item value="create" onSelect={() => go('/create')}>Create a project from a template</Command.Item>
            <Command.Item
              value="theme"
              onSelect={() => {
                applyTheme(nextTheme(storedTheme()))
                close(false)
              }}
            >
              Switch theme (light, dark, system)
            </Command.Item>
          </Command.Group>
        )}
      </Command.List>
    </Command.Dialog>
  )
}
