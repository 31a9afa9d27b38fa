/** The text under the title, for a number of clicks. */
export function greeting(clicks: number): string {
  if (clicks === 0) {
    return 'Welcome to ${{ values.name }}.';
  }
  return `Clicked ${clicks} ${clicks === 1 ? 'time' : 'times'}.`;
}
