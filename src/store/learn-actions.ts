import { engine } from '../bridge/engine';
import { runQuantization, setField } from './actions';
import { selectLayer, setAnalysisTab } from './analysis-actions';
import type { SettingsKey } from './persist';
import type { FailureRun } from './slices/learn-slice';
import { appStore } from './store';

const set = appStore.setState;
const get = appStore.getState;

export function toggleLearn(open = !get().learnOpen): void {
  set({ learnOpen: open });
  if (open) void loadLearn();
}

export function setLearnStep(step: number): void {
  set({ learnStep: step });
}

let request = 0;

/**
 * The lessons' tensors from the current run: by default the ones that teach best, or the ones asked for.
 * Kept until the next run (a new model gives new numbers).
 */
export async function loadLearn(choice: { tensor?: string; node?: string } = {}): Promise<void> {
  const { report, analysisVariant, learnReport, learnActivation, learnWeight } = get();
  if (!report) return;
  const fresh = learnReport !== report;
  if (!fresh && !choice.tensor && !choice.node && learnActivation && learnWeight) return;
  const mine = ++request;
  set({ learnLoading: true, learnError: null });
  try {
    const [a, w] = await Promise.all([
      fresh || choice.tensor ? engine().learnActivation(analysisVariant, choice.tensor) : Promise.resolve(learnActivation),
      fresh || choice.node ? engine().learnWeight(analysisVariant, choice.node) : Promise.resolve(learnWeight),
    ]);
    if (mine !== request) return;
    set({ learnActivation: a, learnWeight: w, learnReport: report, learnLoading: false });
  } catch (e) {
    if (mine !== request) return;
    set({ learnLoading: false, learnError: `The lesson's numbers could not be computed: ${e instanceof Error ? e.message : String(e)}` });
  }
}

/** "See it in the analysis": the layer selected in the Layers view, where every chart of it is. */
export async function openInAnalysis(node: string): Promise<void> {
  setAnalysisTab('layers');
  await selectLayer(node);
  document.querySelector('[data-testid=layer-details]')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

type Settings = Partial<Record<SettingsKey, number | boolean | string>>;

/**
 * The textbook failures, each reproduced on the loaded model by one run with the settings that cause it, and
 * fixed by one run with the settings that cure it. Runs are ordinary runs (the results and analysis follow).
 */
export const TEXTBOOK: { id: string; title: string; why: string; failure: Settings; fix: (s: { calibCount: number }) => Settings; failureText: string; fixText: string; watch: string }[] = [
  {
    id: 'per-tensor',
    title: 'Per-tensor weights on depthwise convolutions',
    why: 'One scale per weight must cover its widest output channel; in a depthwise convolution the channels differ by orders of magnitude, so the narrow ones get one or two levels. Per-channel scales fix it; so does cross-layer equalisation, which rescales consecutive layers so their channels have similar ranges (FP32 unchanged), with bias correction removing the mean shift rounding leaves.',
    failure: { cle: false, biasCorrection: false, activationSymmetric: false },
    fix: () => ({ cle: true, biasCorrection: true }),
    failureText: 'per-tensor weights, no equalisation',
    fixText: 'cross-layer equalisation + bias correction',
    watch: 'per-tensor',
  },
  {
    id: 'symmetric',
    title: 'Symmetric int8 activations after ReLU',
    why: 'After a ReLU nothing is negative: a symmetric grid spends half its levels below zero and doubles the step, about 6 dB lost at every activation. At 8 bits the weights often dominate the output error, so watch the layers’ mean SQNR.',
    failure: { activationSymmetric: true, cle: false, biasCorrection: false },
    fix: () => ({ activationSymmetric: false }),
    failureText: 'symmetric int8 activations',
    fixText: 'asymmetric uint8 activations',
    watch: 'per-channel',
  },
  {
    id: 'calibration',
    title: 'Too few calibration images',
    why: 'Ranges from one image miss what other images reach, and those values are clipped. More images — and a calibrator that does not chase rare outliers — give ranges that hold.',
    failure: { calibCount: 1, calibrator: 'minmax', activationSymmetric: false, cle: false, biasCorrection: false },
    fix: ({ calibCount }) => ({ calibCount: Math.max(calibCount, 32) }),
    failureText: '1 calibration image',
    fixText: 'more calibration images',
    watch: 'per-channel',
  },
];

/** Runs one textbook case's failure or fix on the loaded model and records what it measured. */
export async function reproduce(caseId: string, step: 'failure' | 'fix'): Promise<void> {
  const c = TEXTBOOK.find((x) => x.id === caseId);
  if (!c || get().failureRunning) return;
  // The user's own calibration count, kept while a failure has set it to 1, for the fix to return to.
  if (get().calibCount > 1) restoreCount = get().calibCount;
  const settings = step === 'failure' ? c.failure : c.fix({ calibCount: restoreCount ?? get().calibCount });
  set({ failureRunning: caseId, failureError: null });
  for (const [k, v] of Object.entries(settings)) setField(k as SettingsKey, v as never);
  await runQuantization();
  const { report, runStatus, runError, calibCount } = get();
  if (runStatus !== 'done' || !report) {
    set({ failureRunning: null, failureError: runError ?? 'The run did not finish.' });
    return;
  }
  const run: FailureRun = {
    caseId,
    step,
    settings: `${step === 'failure' ? c.failureText : c.fixText} (calibrated on ${calibCount} image${calibCount === 1 ? '' : 's'})`,
    agreement: Object.fromEntries(report.variants.map((v) => [v.id, v.agreementTop1])),
    outputSqnrDb: Object.fromEntries(report.variants.map((v) => [v.id, v.outputSqnrDb])),
    layerSqnrDb: Object.fromEntries(report.variants.map((v) => [v.id, meanFinite(report.layers.map((l) => l.sqnrDb[v.id]))])),
  };
  set({ failureRunning: null, failureRuns: [...get().failureRuns.filter((r) => !(r.caseId === caseId && r.step === step)), run] });
}

/** The last calibration count above 1 (before "too few images" set it to 1), for its fix. */
let restoreCount: number | null = null;

function meanFinite(xs: (number | undefined)[]): number {
  const ok = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}
