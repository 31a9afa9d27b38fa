import { describe, expect, it } from 'vitest';
import { packageName, slugify } from './index.js';

describe('slugify', () => {
  it('keeps letters and digits and joins words with dashes', () => {
    expect(slugify('Hello, World!')).toBe('hello-world');
    expect(slugify('  Crème brûlée 2  ')).toBe('creme-brulee-2');
  });

  it('gives an empty slug for punctuation only', () => {
    expect(slugify('!!!')).toBe('');
  });
});

it('knows its name', () => {
  expect(packageName).toBe('${{ values.name }}');
});
