import { KERNELS_WASM_BASE64 } from './kernels-wasm';

/** The exports of kernels.wat (see there for what each computes). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  lo: WebAssembly.Global;
  hi: WebAssembly.Global;
  nan: WebAssembly.Global;
  zeros: WebAssembly.Global;
  extent(p: number, n: number): void;
  count(c: number, m: number, p: number, n: number, inv: number, first: number, zeros: number): void;
  horizontal(src: number, rowBase: number, channels: number, start: number, count: number, weights: number, maxTaps: number, mid: number, outW: number): void;
  accumulate(acc: number, mid: number, n: number, w: number): void;
  round(out: number, acc: number, n: number): void;
  start: WebAssembly.Global;
  levelsum(table: number, stride: number, i: number, levels: number, shift: number): number;
  sqerr(xs: number, cs: number, n: number, scale: number, zp: number, qmin: number, qmax: number): number;
}

/** A kernel instance and its memory, grown on demand (one per thread: the module is small and synchronous). */
export interface Kernels {
  k: KernelExports;
  /**
   * Grows the memory to at least `bytes`; returns its buffer (views made before a growth are detached), or null
   * when it cannot grow that far (then the caller uses its JavaScript loop).
   */
  reserve(bytes: number): ArrayBuffer | null;
}

let instance: Kernels | null | undefined;
let enabled = true;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function instantiate(): Kernels | null {
  try {
    // 1.4 KB: small enough to compile synchronously anywhere (browsers refuse only modules over 4 KB on the main thread).
    const module = new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64));
    const k = new WebAssembly.Instance(module).exports as unknown as KernelExports;
    return {
      k,
      reserve(bytes) {
        const have = k.memory.buffer.byteLength;
        try {
          if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
        } catch {
          return null; // past what this process can give (a RangeError): not an error for the caller
        }
        return k.memory.buffer;
      },
    };
  } catch {
    return null; // no WebAssembly SIMD here (or no WebAssembly): the JavaScript loops do the same work
  }
}

/** The WebAssembly kernels, or null where they cannot run (then callers use their JavaScript twins). */
export function wasmKernels(): Kernels | null {
  if (!enabled) return null;
  if (instance === undefined) instance = instantiate();
  return instance;
}

/**
 * The kernels with their memory grown to at least `bytes`, and that memory (views on it are valid until the
 * next growth); null where the kernels cannot run or the memory cannot grow (callers use their JavaScript twins).
 */
export function wasmKernelsWith(bytes: number): { wasm: Kernels; memory: ArrayBuffer } | null {
  const wasm = wasmKernels();
  const memory = wasm?.reserve(bytes);
  return wasm && memory ? { wasm, memory } : null;
}

/** Turns the WebAssembly kernels off or on (tests compare both paths; the results must be identical). */
export function useWasmKernels(on: boolean): void {
  enabled = on;
}

/** Rounds a byte offset up to a multiple of 16 (v128 alignment). */
export function align16(n: number): number {
  return (n + 15) & ~15;
}
