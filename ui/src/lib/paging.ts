// The catalog table asks for rows a page at a time, only for the pages on screen.

/** Rows fetched at a time. */
export const PAGE_SIZE = 100

/** The pages that hold rows `first` to `last`. */
export function pagesFor(first: number, last: number): number[] {
  const pages: number[] = []
  for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor(Math.max(first, last) / PAGE_SIZE); p++) {
    pages.push(p)
  }
  return pages
}
