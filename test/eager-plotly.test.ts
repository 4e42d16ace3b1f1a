import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

import { PLOTLY_FILE, parenthesizePlotly } from '../scripts/eager-plotly';

const code = readFileSync(createRequire(import.meta.url).resolve(PLOTLY_FILE), 'utf8');

describe("Plotly's factory wrapped in parentheses (V8 compiles it with the script, not on the main thread at its call)", () => {
  const out = parenthesizePlotly(code);
  it('adds one parenthesis before the factory and one after it, nothing else', () => {
    const head = code.indexOf('self : this, () => {') + 'self : this, '.length;
    const tail = code.lastIndexOf('}));');
    expect(out).toBe(`${code.slice(0, head)}(${code.slice(head, tail + 1)})${code.slice(tail + 1)}`);
    expect(out.length).toBe(code.length + 2);
  });
  it('is still a script that compiles', () => {
    expect(() => new Function(out)).not.toThrow();
  });
  it('refuses a bundle of another shape, so the build does not lose the hint unnoticed', () => {
    expect(() => parenthesizePlotly(code.replace('self : this, () => {', 'self : this, function () {'))).toThrow(/eager-plotly\.ts/);
    expect(() => parenthesizePlotly(code.trimEnd().slice(0, -4))).toThrow(/HEAD and TAIL/);
  });
});
