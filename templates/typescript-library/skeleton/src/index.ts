/**
 * ${{ values.description }}
 */

/** Turns a title into a URL-friendly slug: "Hello, World!" becomes "hello-world". */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The package's name, as published. */
export const packageName = '${{ values.name }}';
