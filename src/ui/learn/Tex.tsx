import katex from 'katex';
import 'katex/dist/katex.min.css';

/**
 * A formula typeset by KaTeX. Only the lessons' own TeX comes here (with numbers computed from the model,
 * never text from the model file), and KaTeX's output is its own markup: nothing the model names is parsed.
 */
export function Tex({ tex, block = false }: { tex: string; block?: boolean }) {
  const html = katex.renderToString(tex, { displayMode: block, throwOnError: false, output: 'htmlAndMathml', trust: false });
  return block ? <div className="tex" dangerouslySetInnerHTML={{ __html: html }} /> : <span className="tex" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** A number for TeX: 4 significant digits, scientific form as 10^k. */
export function texNum(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '\\infty' : x < 0 ? '-\\infty' : '\\text{NaN}';
  if (x !== 0 && (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3)) {
    const [m, e] = x.toExponential(2).split('e');
    return `${m}\\times10^{${Number(e)}}`;
  }
  return String(Number(x.toPrecision(4)));
}
