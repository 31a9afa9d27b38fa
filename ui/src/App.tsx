import { useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { NavLink, Outlet } from 'react-router'
import { api } from './api'
import { AccountMenu } from './components/AccountMenu'
import { SyncActivity } from './components/BackgroundSync'
import { CommandPalette } from './components/CommandPalette'
import { LaunchSnapshot } from './components/LaunchSnapshot'
import { ThemeSwitch } from './components/ThemeSwitch'
import { watcherBusy } from './lib/flag'
import { count } from './lib/format'

/** The window: a sidebar with navigation and search, and the current page. */
export function App() {
  const [paletteOpen, setPaletteOpen] = useState(false)
  const stats = useQuery({ queryKey: ['stats'], queryFn: api.stats })
  const sources = useQuery({ queryKey: ['sources'], queryFn: api.sources })
  const updating = watcherBusy.use()
  const isMac = navigator.platform.toLowerCase().includes('mac')

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault()
        setPaletteOpen((open) => !open)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const errors = sources.data?.reduce((sum, s) => sum + s.error_count, 0) ?? 0
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <img src="/favicon.svg" alt="" />
          Greenroom
        </div>
        <button className="search-button" onClick={() => setPaletteOpen(true)} id="open-palette">
          <span>Search…</span>
          <kbd>{isMac ? '⌘' : 'Ctrl'} K</kbd>
        </button>
        <NavLink to="/" end className="nav-link">
          <span>Catalog</span>
          {stats.data && stats.data.entities > 0 && (
            <span className="muted small">{count(stats.data.entities)}</span>
          )}
        </NavLink>
        <NavLink to="/create" className="nav-link" id="nav-create">
          <span>Create</span>
        </NavLink>
        <NavLink to="/sources" className="nav-link" id="nav-sources">
          <span>Sources</span>
          {errors > 0 && (
            <span className="chip badge-error" title={`${errors} errors in descriptor files`}>
              {errors}
            </span>
          )}
        </NavLink>
        <div className="sidebar-foot">
          {updating && (
            <div className="busy" role="status">
              <span className="spinner" /> Updating from your folders…
            </div>
          )}
          <SyncActivity />
          <ThemeSwitch />
          <AccountMenu />
        </div>
      </nav>
      <main id="main">
        <Outlet />
      </main>
      <CommandPalette open={paletteOpen} onOpenChange={setPaletteOpen} />
      <LaunchSnapshot />
    </div>
  )
}
