import { engine } from '../bridge/engine';
import { selectLayer, setAnalysisTab } from './analysis-actions';
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
