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
