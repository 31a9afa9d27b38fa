import { useQuery } from '@tanstack/react-query'
import { type MouseEvent, useEffect, useMemo, useRef, useState } from 'react'
import { useSearchParams } from 'react-router'
import { errorMessage } from '../api'
import type { DocHit } from '../bindings/DocHit'
import type { DocsNavNode } from '../bindings/DocsNavNode'
import type { DocsPage } from '../bindings/DocsPage'
import type { DocsSite } from '../bindings/DocsSite'
import { docsApi, docsOrigin } from '../docsApi'
import { copyText } from '../lib/clipboard'
import { resolveDocLink, rewriteImages } from '../lib/docsLinks'
import { renderDiagrams } from '../lib/mermaid'
import { useTheme } from '../lib/useTheme'
import '../docs.css'

/** The Docs tab: the entity's TechDocs site, rendered offline. */
export default function DocsTab({ entityRef }: { entityRef: string }) {
  const docs = useQuery({ queryKey: ['docs', entityRef], queryFn: () => docsApi.entityDocs(entityRef) })
  if (docs.isError) {
    return (
      <div className="notice error" role="alert" id="docs-error">
        {errorMessage(docs.error)}
      </div>
    )
  }
  if (!docs.data) return <div className="muted">Building the docs…</div>
  const view = docs.data
  if (view.kind === 'none') return <div className="notice" id="docs-none">This entity has no docs.</div>
  if (view.kind === 'notAvailableOffline') {
    return (
      <div className="notice" id="docs-offline">
        Its docs are in another repository, which is not on this machine: <span className="mono">{view.url}</span>.
        Add a folder that holds it to read them here.
      </div>
    )
  }
  return <DocsSiteView site={view.site} />
}

/** Adds the code colours (served with the docs) to the document once. */
function useHighlightStylesheet() {
  useEffect(() => {
    const id = 'docs-highlight-css'
    if (document.getElementById(id)) return
    const link = document.createElement('link')
    link.id = id
    link.rel = 'stylesheet'
    link.href = `${docsOrigin()}_/highlight.css`
    document.head.appendChild(link)
  }, [])
}

function DocsSiteView({ site }: { site: DocsSite }) {
  useHighlightStylesheet()
  const [params, setParams] = useSearchParams()
  const urls = useMemo(() => site.pages.map((p) => p.url), [site])
  const requested = params.get('page') ?? ''
  const index = Math.max(0, urls.indexOf(requested))
  const page = site.pages[index]
  const section = params.get('section')
  const show = (url: string, anchor: string | null = null) => {
    const next: Record<string, string> = { tab: 'docs', page: url }
    if (anchor) next.section = anchor
    setParams(next)
  }
  if (!page) return <div className="notice">This site has no pages.</div>
  return (
    <div className="docs-layout" id="docs" data-site={site.name} data-page={page.url}>
      <nav className="docs-nav" aria-label="Docs pages">
        <div className="docs-site-name">{site.name}</div>
        <SiteSearch site={site} onPick={(hit) => show(hit.pageUrl, hit.anchor)} />
        <NavTree nodes={site.nav} pages={site.pages} current={index} onPick={(url) => show(url)} />
      </nav>
      <div className="docs-main">
        <PageBody key={`${site.base}${page.url}`} site={site} page={page} section={section} onPage={show} />
        <footer className="docs-footer">
          {page.previous !== null && site.pages[page.previous] && (
            <button className="button" id="docs-previous" onClick={() => show(site.pages[page.previous!].url)}>
              ← {site.pages[page.previous].title}
            </button>
          )}
          <span className="spacer" />
          <EditButton site={site} page={page} />
          {page.next !== null && site.pages[page.next] && (
            <button className="button" id="docs-next" onClick={() => show(site.pages[page.next!].url)}>
              {site.pages[page.next].title} →
            </button>
          )}
        </footer>
        {site.warnings.length > 0 && (
          <details className="docs-warnings small">
            <summary className="muted">
              {site.warnings.length} {site.warnings.length === 1 ? 'problem' : 'problems'} in these docs
            </summary>
            <ul>
              {site.warnings.map((w, i) => (
                <li key={i} className="mono">{w}</li>
              ))}
            </ul>
          </details>
        )}
      </div>
      <aside className="docs-toc" aria-label="On this page">
        {page.toc.filter((h) => h.level > 1).length > 0 && (
          <>
            <div className="docs-toc-title">On this page</div>
            <ul>
              {page.toc
                .filter((h) => h.level > 1 && h.level <= 4)
                .map((h) => (
                  <li key={h.id} className={`toc-${h.level}`}>
                    <a
                      href={`#${h.id}`}
                      data-anchor={h.id}
                      className={section === h.id ? 'active' : undefined}
                      onClick={(e) => {
                        e.preventDefault()
                        show(page.url, h.id)
                      }}
                    >
                      {h.title}
                    </a>
                  </li>
                ))}
            </ul>
          </>
        )}
      </aside>
    </div>
  )
}

function EditButton({ site, page }: { site: DocsSite; page: DocsPage }) {
  const [failed, setFailed] = useState<string | null>(null)
  return (
    <>
      <button
        className="button"
        id="docs-edit"
        title={page.sourcePath}
        onClick={() => docsApi.openPage(site.base, page.url).catch((e) => setFailed(errorMessage(e)))}
      >
        Edit this page
      </button>
      {failed && <span className="small error-text">{failed}</span>}
    </>
  )
}

function NavTree({ nodes, pages, current, onPick }: { nodes: DocsNavNode[]; pages: DocsPage[]; current: number; onPick: (url: string) => void }) {
  return (
    <ul className="docs-nav-list">
      {nodes.map((node, i) => {
        if (node.page !== null) {
          const target = pages[node.page]
          if (!target) return null
          return (
            <li key={i}>
              <a
                href={`#${target.url}`}
                data-page={target.url}
                aria-current={node.page === current ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault()
                  onPick(target.url)
                }}
              >
                {node.title}
              </a>
            </li>
          )
        }
        if (node.link !== null) {
          return (
            <li key={i}>
              <a href={node.link} className="external">
                {node.title} ↗
              </a>
            </li>
          )
        }
        return (
          <li key={i} className="docs-nav-section">
            <details open={containsPage(node.children, current) || nodes.length < 8}>
              <summary>{node.title}</summary>
              <NavTree nodes={node.children} pages={pages} current={current} onPick={onPick} />
            </details>
          </li>
        )
      })}
    </ul>
  )
}

function containsPage(nodes: DocsNavNode[], page: number): boolean {
  return nodes.some((n) => n.page === page || containsPage(n.children, page))
}

/** A search box over this site's pages and sections. */
function SiteSearch({ site, onPick }: { site: DocsSite; onPick: (hit: DocHit) => void }) {
  const [text, setText] = useState('')
  const [hits, setHits] = useState<DocHit[]>([])
  useEffect(() => {
    const typed = text.trim()
    if (!typed) return
    let current = true
    const timer = window.setTimeout(() => {
      docsApi.search(typed, site.id, 12).then(
        (found) => current && setHits(found),
        () => current && setHits([]),
      )
    }, 80)
    return () => {
      current = false
      window.clearTimeout(timer)
    }
  }, [text, site.id])
  const shown = text.trim() ? hits : []
  return (
    <div className="docs-search">
      <input
        type="search"
        id="docs-search"
        placeholder="Search these docs"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setText('')
          if (e.key === 'Enter' && shown[0]) {
            onPick(shown[0])
            setText('')
          }
        }}
      />
      {text.trim() && (
        <ul className="docs-search-results" role="listbox">
          {shown.length === 0 && <li className="muted small">No section matches.</li>}
          {shown.map((hit) => (
            <li key={`${hit.pageUrl}#${hit.anchor ?? ''}`}>
              <button
                className="docs-hit"
                data-page={hit.pageUrl}
                data-anchor={hit.anchor ?? ''}
                onClick={() => {
                  onPick(hit)
                  setText('')
                }}
              >
                <strong>{hit.title}</strong>
                {hit.title !== hit.pageTitle && <span className="muted small"> · {hit.pageTitle}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** The page body from the docs protocol: links handled in the app, images from the site,
 * copy buttons on code, diagrams drawn, and the requested heading scrolled to. */
function PageBody({ site, page, section, onPage }: { site: DocsSite; page: DocsPage; section: string | null; onPage: (url: string, anchor?: string | null) => void }) {
  const root = `${docsOrigin()}${site.base}`
  const body = useQuery({
    queryKey: ['docs-page', site.base, page.url],
    queryFn: async () => {
      const response = await fetch(`${root}${page.url}`)
      if (!response.ok) throw new Error(`${page.title}: ${await response.text()}`)
      return rewriteImages(await response.text(), root, page.url)
    },
    staleTime: Infinity,
  })
  const article = useRef<HTMLElement>(null)
  const theme = useTheme()
  const urls = useMemo(() => site.pages.map((p) => p.url), [site])

  useEffect(() => {
    const element = article.current
    if (!element || body.data === undefined) return
    addCopyButtons(element)
    void renderDiagrams(element, theme === 'dark')
  }, [body.data, theme])

  useEffect(() => {
    if (body.data === undefined) return
    const target = section ? document.getElementById(section) : null
    if (target) target.scrollIntoView({ block: 'start' })
    else document.getElementById('main')?.scrollTo({ top: 0 })
  }, [body.data, section])

  const onClick = (event: MouseEvent<HTMLElement>) => {
    const link = (event.target as Element).closest('a[href]')
    if (!link) return
    const target = resolveDocLink(link.getAttribute('href') ?? '', page.url, urls)
    switch (target.kind) {
      case 'external':
        // The window-wide handler opens http(s) links in the browser.
        if (!/^https?:/i.test(target.url)) event.preventDefault()
        return
      case 'page':
        event.preventDefault()
        onPage(target.url, target.anchor)
        return
      case 'anchor':
        event.preventDefault()
        onPage(page.url, target.anchor)
        return
      case 'file':
      case 'none':
        // Files of the repository (downloads) and other schemes do not open from the window.
        event.preventDefault()
    }
  }

  if (body.isError) return <div className="notice error">{errorMessage(body.error)}</div>
  if (body.data === undefined) return <div className="muted">Loading the page…</div>
  return (
    <article
      key={theme}
      ref={article}
      className="md-typeset docs-body"
      id="docs-body"
      onClick={onClick}
      dangerouslySetInnerHTML={{ __html: body.data }}
    />
  )
}

function addCopyButtons(root: HTMLElement) {
  for (const block of root.querySelectorAll<HTMLElement>('.highlight')) {
    if (block.querySelector(':scope > .docs-copy')) continue
    const code = block.querySelector<HTMLElement>('td.code code, pre code')
    if (!code) continue
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'docs-copy'
    button.textContent = 'Copy'
    button.addEventListener('click', (event) => {
      event.stopPropagation()
      void copyText(code.innerText).then(
        () => {
          button.textContent = 'Copied'
          window.setTimeout(() => (button.textContent = 'Copy'), 1500)
        },
        () => (button.textContent = 'Cannot copy'),
      )
    })
    block.appendChild(button)
  }
}
