import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { clearMocks, mockConvertFileSrc, mockIPC } from '@tauri-apps/api/mocks'
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { MemoryRouter, Route, Routes, useLocation } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DocsView } from '../bindings/DocsView'
import DocsTab from './DocsTab'

const view: DocsView = {
  kind: 'site',
  site: {
    id: 7,
    name: 'Payments',
    base: 'abc123/',
    warnings: [],
    nav: [
      { title: 'Home', page: 0, link: null, children: [] },
      { title: 'Guide', page: null, link: null, children: [{ title: 'Install', page: 1, link: null, children: [] }] },
    ],
    pages: [
      { url: '', title: 'Payments', sourcePath: 'docs/index.md', toc: [{ level: 1, id: 'payments', title: 'Payments' }, { level: 2, id: 'flow', title: 'Flow' }], previous: null, next: 1 },
      { url: 'guide/install/', title: 'Install', sourcePath: 'docs/guide/install.md', toc: [{ level: 2, id: 'linux', title: 'Linux' }], previous: 0, next: null },
    ],
  },
}

const bodies: Record<string, string> = {
  'greenroom-docs://localhost/abc123/':
    '<h1 id="payments">Payments</h1><p><a href="guide/install/#linux">install</a> <a href="#flow">flow</a> <a href="javascript:alert(1)">bad</a></p><img src="img/a.png"><h2 id="flow">Flow</h2><div class="highlight"><pre><code>cargo run</code></pre></div>',
  'greenroom-docs://localhost/abc123/guide/install/': '<h1 id="install">Install</h1><h2 id="linux">Linux</h2><p><a href="../../">home</a></p>',
}

function Where() {
  const location = useLocation()
  return <div data-testid="where">{location.search}</div>
}

function renderTab() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={['/entity/component/default/payments?tab=docs']}>
        <Routes>
          <Route
            path="*"
            element={
              <>
                <DocsTab entityRef="component:default/payments" />
                <Where />
              </>
            }
          />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  )
}

describe('the Docs tab', () => {
  beforeEach(() => {
    mockConvertFileSrc('linux')
    mockIPC((cmd) => (cmd === 'entity_docs' ? view : null))
    vi.stubGlobal('fetch', async (url: string) => {
      const body = bodies[url]
      return { ok: body !== undefined, text: async () => body ?? 'no such page' }
    })
    Element.prototype.scrollIntoView = vi.fn<() => void>()
  })
  afterEach(() => {
    clearMocks()
    vi.unstubAllGlobals()
  })

  it('shows the nav and the page, with images from the site and copy buttons on code', async () => {
    renderTab()
    await screen.findByRole('heading', { name: 'Payments', level: 1 })
    expect(screen.getByRole('navigation', { name: 'Docs pages' }).textContent).toContain('Install')
    expect(document.querySelector('#docs-body img')?.getAttribute('src')).toBe('greenroom-docs://localhost/abc123/img/a.png')
    await waitFor(() => expect(document.querySelector('#docs-body .docs-copy')).not.toBeNull())
    expect(screen.getByText('Install →')).toBeTruthy()
  })

  it('follows links to other pages and headings inside the app, and ignores other schemes', async () => {
    renderTab()
    await screen.findByRole('heading', { name: 'Payments', level: 1 })
    fireEvent.click(screen.getByText('flow'))
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe('?tab=docs&page=&section=flow'))
    fireEvent.click(screen.getByText('bad'))
    expect(screen.getByTestId('where').textContent).toBe('?tab=docs&page=&section=flow')
    fireEvent.click(screen.getByText('install'))
    await screen.findByRole('heading', { name: 'Install', level: 1 })
    expect(screen.getByTestId('where').textContent).toBe('?tab=docs&page=guide%2Finstall%2F&section=linux')
    expect(Element.prototype.scrollIntoView).toHaveBeenCalled()
    fireEvent.click(screen.getByText('home'))
    await screen.findByRole('heading', { name: 'Payments', level: 1 })
  })
})
