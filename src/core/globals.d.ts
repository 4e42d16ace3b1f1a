// The few host APIs the core may use: present in browsers, workers and Node alike. Declared here so the core
// compiles without the DOM library, which keeps DOM-only APIs out of it.
declare class TextDecoder {
  decode(input?: Uint8Array): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare function queueMicrotask(callback: () => void): void;
declare const performance: { now(): number };
declare function atob(data: string): string;
/** The part of WebAssembly the kernels use (kernels/kernels.ts). */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: object);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Global {
    value: unknown;
  }
}
