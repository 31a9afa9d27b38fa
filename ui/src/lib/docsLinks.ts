// Links inside a rendered docs page. Page bodies use links relative to the page's URL, as
// MkDocs writes them; the Docs tab resolves them against the site to move between pages
// inside the app, jump to headings, open web links in the browser and load images through
// the docs protocol.

/** Where a click on a link in a docs page leads. */
export type DocTarget =
  | { kind: 'page'; url: string; anchor: string | null }
  | { kind: 'anchor'; anchor: string }
  | { kind: 'external'; url: string }
  | { kind: 'file'; path: string }
  | { kind: 'none' }

/** A base no real link can have, to resolve relative links with the URL parser. */
const SITE = 'https://site.invalid/'

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The page among `pageUrls` that a site path names: `a/b/`, `a/b/index.html`, `a/b.html`
 * or `a/b` (percent-encoded or not). */
export function matchPage(path: string, pageUrls: string[]): string | null {
  const wanted = decode(path)
  const candidates = [wanted, wanted.replace(/index\.html$/, ''), wanted.endsWith('/') || wanted === '' ? wanted : `${wanted}/`]
  for (const url of pageUrls) {
    const plain = decode(url)
    if (candidates.includes(plain)) return url
  }
  return null
}

/** Resolves an `href` of the page at `pageUrl` (site-relative, e.g. `guide/install/`). */
export function resolveDocLink(href: string, pageUrl: string, pageUrls: string[]): DocTarget {
  const raw = href.trim()
  if (!raw) return { kind: 'none' }
  if (raw.startsWith('#')) return raw.length > 1 ? { kind: 'anchor', anchor: decode(raw.slice(1)) } : { kind: 'none' }
  if (/^(https?:|mailto:|tel:)/i.test(raw)) return { kind: 'external', url: raw }
  // Any other scheme (javascript:, file:, data:) goes nowhere.
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) return { kind: 'none' }
  let resolved: URL
  try {
    resolved = new URL(raw, SITE + pageUrl)
  } catch {
    return { kind: 'none' }
  }
  // `//host/x` leaves the site.
  if (resolved.origin !== new URL(SITE).origin) return { kind: 'external', url: resolved.href }
  const path = resolved.pathname.replace(/^\//, '')
  const anchor = resolved.hash.length > 1 ? decode(resolved.hash.slice(1)) : null
  const page = matchPage(path, pageUrls)
  if (page !== null) {
    return page === pageUrl && anchor ? { kind: 'anchor', anchor } : { kind: 'page', url: page, anchor }
  }
  return { kind: 'file', path }
}

/** Rewrites the page body's relative image sources to the docs protocol (`siteRoot` ends
 * with `/`), so images load from the site rather than from the app's own origin. */
export function rewriteImages(html: string, siteRoot: string, pageUrl: string): string {
  const template = document.createElement('template')
  template.innerHTML = html
  for (const img of template.content.querySelectorAll('img[src]')) {
    const src = img.getAttribute('src') ?? ''
    if (/^(data:|[a-z][a-z0-9+.-]*:|\/\/)/i.test(src)) continue
    const target = resolveDocLink(src, pageUrl, [])
    if (target.kind === 'file') img.setAttribute('src', siteRoot + target.path)
  }
  return template.innerHTML
}
