import { mulberry32 } from '../core';

const WORDS = (
  'quantization scale zero point int8 calibration histogram tensor channel depthwise convolution ' +
  'accuracy browser model layer weight activation range error signal noise ratio kernel stride ' +
  'invoice total amount date receipt address phone number street city station platform exit ' +
  'open close monday friday price discount order shipping delivered customer account balance ' +
  'the quick brown fox jumps over lazy dog 2026 No. 42 A-17 page 3 of 12 ID 0815'
).split(' ');

const FONTS = ['sans-serif', 'serif', 'monospace', 'Liberation Sans', 'DejaVu Serif'];

export interface DemoImage {
  name: string;
  label: number;
  blob: Blob;
}

/**
 * Deterministic text-line images for the built-in demo: words on a light background, drawn upright
 * (label 0) or rotated by 180° (label 1), at the PP-OCR classifier's 192×48 input size.
 */
export async function renderDemoImages(count: number, seed = 7): Promise<DemoImage[]> {
  const rand = mulberry32(seed);
  const pick = <T,>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const out: DemoImage[] = [];
  for (let i = 0; i < count; i++) {
    const w = 192;
    const h = 48;
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d')!;
    const bg = 225 + Math.floor(rand() * 30);
    ctx.fillStyle = `rgb(${bg},${bg - Math.floor(rand() * 12)},${bg - Math.floor(rand() * 20)})`;
    ctx.fillRect(0, 0, w, h);
    const label = i % 2;
    const size = 20 + Math.floor(rand() * 12);
    let text = pick(WORDS);
    while (text.length < 9 + rand() * 8) text += ' ' + pick(WORDS);
    ctx.save();
    if (label === 1) {
      ctx.translate(w, h);
      ctx.rotate(Math.PI);
    }
    const ink = Math.floor(rand() * 70);
    ctx.fillStyle = `rgb(${ink},${ink},${ink + Math.floor(rand() * 40)})`;
    ctx.font = `${rand() < 0.3 ? 'bold ' : ''}${size}px ${pick(FONTS)}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(text, 2 + rand() * 8, h / 2 + (rand() - 0.5) * 6, w - 6);
    ctx.restore();
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    out.push({ name: `text_${String(i).padStart(3, '0')}_${label ? '180' : '0'}.png`, label, blob });
  }
  return out;
}
