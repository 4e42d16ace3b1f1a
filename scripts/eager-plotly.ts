import type { Plugin } from 'vite';

// V8 compiles a function the first time it is called, on the thread that calls it, unless the function is
// wrapped in parentheses: that hint ("PIFE") has it compiled with the script, which for a module script is
// off the main thread while the file streams in. Plotly's bundle is one UMD factory, `() => {…}` of about 1 MB,
// called as soon as the module is evaluated: compiling it was 75–108 ms of one main-thread task when the page
// loads Plotly while idle after start, the page's one task over 100 ms before Run. Wrapped, that task is gone
// (the warm-up draws' 56–74 ms tasks remain).

/** The file of the package whose factory is wrapped. */
export const PLOTLY_FILE = 'plotly.js-basic-dist-min/plotly-basic.min.js';

const HEAD = '} (typeof self !== "undefined" ? self : this, () => {';
const TAIL = /return Plotly;\s*\}\)\);\s*$/;

/**
 * Plotly's bundle with its factory in parentheses. Throws if the bundle is not shaped as expected (another
 * version of the package), rather than build without the hint unnoticed.
 */
export function parenthesizePlotly(code: string): string {
  if (code.split(HEAD).length !== 2 || !TAIL.test(code)) {
    throw new Error(`${PLOTLY_FILE} is not shaped as scripts/eager-plotly.ts expects (a new version?): update its HEAD and TAIL.`);
  }
  return code.replace(HEAD, '} (typeof self !== "undefined" ? self : this, (() => {').replace(TAIL, (end) => end.replace('}));', '})));'));
}

/** Applies parenthesizePlotly in production builds (the dev server pre-bundles the package apart). */
export function eagerPlotly(): Plugin {
  return {
    name: 'quantscope-eager-plotly',
    apply: 'build',
    transform(code, id) {
      if (!id.replaceAll('\\', '/').split('?')[0].endsWith(PLOTLY_FILE)) return null;
      return { code: parenthesizePlotly(code), map: null };
    },
  };
}
