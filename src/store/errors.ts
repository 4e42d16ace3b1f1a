/** An error from the engine as a sentence for the page (Comlink passes errors on as "Error: …"). */
export function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/^Error: /, '');
}

/** Whether the engine stopped because the user cancelled (its CancelledError, named or only in its message once it crossed the worker boundary). */
export function isCancel(e: unknown): boolean {
  return e instanceof Error && (e.name === 'CancelledError' || /Cancelled\./.test(e.message));
}
