/** The controls the experiment panels share: a group of checkboxes, a whole-number field, a run-or-continue button. */

/** Checkboxes for choosing several of a few values (bit widths, calibrators, granularities). */
export function CheckGroup<T extends string | number>({
  legend,
  options,
  selected,
  onToggle,
  label = (v) => String(v),
}: {
  legend: string;
  options: readonly T[];
  selected: readonly T[];
  onToggle: (v: T) => void;
  label?: (v: T) => string;
}) {
  return (
    <fieldset className="calibrator-choice">
      <legend className="small muted">{legend}</legend>
      {options.map((v) => (
        <label key={String(v)} className="check small">
          <input type="checkbox" checked={selected.includes(v)} onChange={() => onToggle(v)} /> {label(v)}
        </label>
      ))}
    </fieldset>
  );
}

/** `cur` with `v` added (sorted as `order` says) or removed. */
export function toggled<T>(cur: readonly T[], v: T, order?: (a: T, b: T) => number): T[] {
  const next = cur.includes(v) ? cur.filter((x) => x !== v) : [...cur, v];
  return order ? next.sort(order) : next;
}

/** A whole number ≥ min (and ≤ max) typed in a narrow field; anything else falls back to min. */
export function CountField({ label, value, onChange, min = 1, max, testId }: { label: string; value: number; onChange: (n: number) => void; min?: number; max?: number; testId?: string }) {
  return (
    <label className="field narrow">
      <span>{label}</span>
      <input
        type="number"
        min={min}
        max={max}
        value={value}
        onChange={(e) => onChange(Math.max(min, Math.min(max ?? Infinity, Math.round(Number(e.target.value)) || min)))}
        data-testid={testId}
      />
    </label>
  );
}

/**
 * An experiment's start button; with a partial result it can continue, two buttons: continue (`resume`, its
 * label) and "Start over". `run(fresh)` starts it; `id` names the test ids (`run-<id>`, `resume-<id>`).
 */
export function RunOrResume({ id, label, resume, disabled, run }: { id: string; label: string; resume: string | null; disabled: boolean; run: (fresh: boolean) => void }) {
  if (!resume) {
    return (
      <button type="button" disabled={disabled} onClick={() => run(true)} data-testid={`run-${id}`}>
        {label}
      </button>
    );
  }
  return (
    <>
      <button type="button" disabled={disabled} onClick={() => run(false)} data-testid={`resume-${id}`}>
        {resume}
      </button>
      <button type="button" className="secondary" disabled={disabled} onClick={() => run(true)} data-testid={`run-${id}`}>
        Start over
      </button>
    </>
  );
}
