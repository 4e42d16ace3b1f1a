/**
 * A helper thread the engine worker starts on first use and calls by message: each request carries an id, each
 * reply names it and holds either the result or an error. A helper that dies fails what it had and is not
 * started again (nor where nested workers cannot start): `call` then returns null and the caller does the work
 * on its own thread, where the same code runs.
 */
export function helperWorker<Request extends object, Reply extends object>(start: () => Worker, what: string) {
  let worker: Worker | null = null;
  let failed = false;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  function running(): Worker | null {
    if (worker || failed) return worker;
    try {
      const w = start();
      w.onmessage = (e: MessageEvent<({ id: number } & Reply) | { id: number; error: string }>) => {
        const call = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        if (!call) return;
        if ('error' in e.data) call.reject(new Error(e.data.error));
        else call.resolve(e.data);
      };
      w.onerror = (e) => {
        e.preventDefault();
        failed = true;
        worker = null;
        w.terminate();
        for (const c of waiting.values()) c.reject(new Error(`${what} stopped (${e.message || 'an error'})`));
        waiting.clear();
      };
      worker = w;
    } catch {
      failed = true;
    }
    return worker;
  }

  return {
    /** whether the helper runs (starting it if need be) */
    available: () => running() !== null,
    /** the helper's reply to `request`, or null when there is no helper */
    call(request: Request, transfer: Transferable[] = []): Promise<Reply> | null {
      const w = running();
      if (!w) return null;
      const id = ++nextId;
      return new Promise<Reply>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ ...request, id }, { transfer });
      });
    },
  };
}
