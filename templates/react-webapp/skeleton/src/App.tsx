import { useState } from 'react';
import { greeting } from './greeting';

export const title = ${{ values.title | dump }};

export function App() {
  const [count, setCount] = useState(0);
  return (
    <main>
      <h1>{title}</h1>
      <p>{greeting(count)}</p>
      <button type="button" onClick={() => setCount(c => c + 1)}>
        Count
      </button>
    </main>
  );
}
