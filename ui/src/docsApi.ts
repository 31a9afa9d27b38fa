// Typed calls for the Docs tab, and where the docs protocol serves pages.
import { convertFileSrc, invoke } from '@tauri-apps/api/core'
import type { DocHit } from './bindings/DocHit'
import type { DocsView } from './bindings/DocsView'

/** The scheme the shell serves docs pages and images under. */
export const DOCS_SCHEME = 'greenroom-docs'

export const docsApi = {
  entityDocs: (key: string) => invoke<DocsView>('entity_docs', { key }),
  hasDocs: (key: string) => invoke<boolean>('has_docs', { key }),
  search: (text: string, site: number | null, limit: number) =>
    invoke<DocHit[] | null>('search_docs', { text, site, limit }).then((hits) => hits ?? []),
  openPage: (base: string, url: string) => invoke<void>('open_docs_page', { base, url }),
}

/** The docs protocol's root URL on this platform (`greenroom-docs://localhost/`, or
 * `http://greenroom-docs.localhost/` where webviews need http). */
export function docsOrigin(): string {
  return convertFileSrc('', DOCS_SCHEME)
}

/** The app route that shows a docs page, optionally at a heading. */
export function docsRoute(entityPath: string, pageUrl: string, anchor?: string | null): string {
  const params = new URLSearchParams({ tab: 'docs', page: pageUrl })
  if (anchor) params.set('section', anchor)
  return `${entityPath}?${params.toString()}`
}
