import type { ProgressEvent } from '../../core';
import { STATISTICS_PHASE, duration } from '../format';

/** How a stopped experiment's partial results are introduced: the user cancelled it, or a reload or crash cut it short. */
export function stoppedBy(interrupted: boolean): string {
  return interrupted ? 'Interrupted when the page reloaded or the engine restarted' : 'Cancelled';
}

/** A long task's progress: bar, counts, time left (from the pace so far), and what is being done. */
export function ProgressLine({ progress, label, extra, testId }: { progress: ProgressEvent; label: string; extra?: string; testId: string }) {
  const text = progress.phase === 'statistics' ? STATISTICS_PHASE : label;
  const left = progress.done > 0 ? ` · about ${duration((progress.elapsedMs / progress.done) * (progress.total - progress.done))} left` : '';
  return (
    <div className="progress" data-testid={testId}>
      <progress max={progress.total} value={progress.done} />
      <span className="small">
        {text} {progress.done} / {progress.total}
        {left}
        {extra ?? ''}
      </span>
    </div>
  );
}
