import { useEffect, useMemo, useState } from 'react';

import { affineLesson, rebinHistogram } from '../../core';
import type { ActivationMaterial, BnFoldLesson, QatExperiment, WeightMaterial } from '../../core';
import { engine } from '../../bridge/engine';
import { runQuantization } from '../../store/actions';
import { TEXTBOOK, loadLearn, openInAnalysis, reproduce, setLearnStep, toggleLearn } from '../../store/learn-actions';
import { useAppShallow } from '../../store/store';
import { Plot } from '../analysis/Plot';
import { ProgressLine } from '../analysis/ProgressLine';
import { activationFigure, channelRangeFigure } from '../analysis/plots';
import { db, pct } from '../format';
import { affineFigure, bitsFigure, bnFigure, lossFigure } from './learn-plots';
import { Tex, texNum } from './Tex';

const LESSONS = [
  { id: 'affine', title: 'The affine map' },
  { id: 'symmetric', title: 'Symmetric or asymmetric' },
  { id: 'granularity', title: 'Per-tensor or per-channel' },
  { id: 'calibration', title: 'Choosing the range' },
  { id: 'bits', title: 'What a bit is worth' },
  { id: 'bn', title: 'Batch-norm folding' },
  { id: 'qat', title: 'PTQ or QAT' },
  { id: 'failures', title: 'Textbook failures' },
] as const;

/**
 * Learn mode: lessons beside the analysis, each with a widget computed from the loaded model's own tensors
 * (the current run's calibration statistics and weights), so every number is a measurement of this model.
 */
export default function LearnPanel() {
  const s = useAppShallow((x) => ({
    step: x.learnStep,
    report: x.report,
    running: x.runStatus === 'running',
    model: x.model?.fileName ?? null,
    modelKey: x.model ? `${x.model.fileName}:${x.model.sizeBytes}` : '',
    a: x.learnActivation,
    w: x.learnWeight,
    // The lessons' tensors belong to one run: until the current run's are in, the last run's are not shown
    // (they would be another model's numbers under this one's name).
    current: x.learnReport === x.report,
    loading: x.learnLoading,
    error: x.learnError,
  }));
  useEffect(() => {
    if (s.report) void loadLearn();
  }, [s.report]);
  const lesson = LESSONS[s.step] ?? LESSONS[0];
  return (
    <aside className="learn card" aria-label="Learn quantization" data-testid="learn-panel" data-lesson={lesson.id}>
      <div className="learn-head">
        <h2>Learn quantization{s.model ? <span className="muted"> on {s.model}</span> : null}</h2>
        <button type="button" className="link small" onClick={() => toggleLearn(false)} data-testid="learn-close">
          Close
        </button>
      </div>
      <ol className="learn-steps">
        {LESSONS.map((l, i) => (
          <li key={l.id}>
            <button type="button" className={i === s.step ? 'tab active' : 'tab'} aria-current={i === s.step ? 'step' : undefined} onClick={() => setLearnStep(i)} data-testid={`lesson-${l.id}`}>
              {i + 1}. {l.title}
            </button>
          </li>
        ))}
      </ol>
      {lesson.id === 'qat' || lesson.id === 'failures' || lesson.id === 'bn' ? (
        <div className="learn-body" data-testid="learn-body">
          {lesson.id === 'qat' ? <QatLesson /> : lesson.id === 'bn' ? <BnLesson key={s.modelKey} /> : <FailuresLesson />}
        </div>
      ) : !s.report ? (
        <div className="learn-body">
          <p>
            Every lesson here is worked on the model you loaded: its own activations and weights, measured. They need one calibration run first (the built-in demo
            takes a few seconds).
          </p>
          <button type="button" className="primary" disabled={s.running || !s.model} onClick={() => void runQuantization()} data-testid="learn-run">
            {s.running ? 'Running…' : 'Quantize and evaluate'}
          </button>
        </div>
      ) : s.error ? (
        <p className="error">{s.error}</p>
      ) : !s.a || !s.w || !s.current ? (
        <p className="muted">{s.loading || !s.current ? 'Taking the lesson’s tensors from the model…' : 'This model has no calibrated activation or weight to teach with.'}</p>
      ) : (
        <div className="learn-body" data-testid="learn-body">
          {lesson.id === 'affine' && <AffineLesson key={s.a.tensor} a={s.a} />}
          {lesson.id === 'symmetric' && <SymmetricLesson a={s.a} />}
          {lesson.id === 'granularity' && <GranularityLesson w={s.w} />}
          {lesson.id === 'calibration' && <CalibrationLesson a={s.a} />}
          {lesson.id === 'bits' && <BitsLesson a={s.a} w={s.w} />}
        </div>
      )}
      <div className="row learn-nav">
        <button type="button" className="secondary" disabled={s.step === 0} onClick={() => setLearnStep(s.step - 1)} data-testid="learn-prev">
          ← Previous
        </button>
        <button type="button" className="secondary" disabled={s.step === LESSONS.length - 1} onClick={() => setLearnStep(s.step + 1)} data-testid="learn-next">
          Next →
        </button>
      </div>
    </aside>
  );
}

function ActivationPicker({ a }: { a: ActivationMaterial }) {
  return (
    <label className="field">
      <span>Activation of this model</span>
      <select value={a.tensor} onChange={(e) => void loadLearn({ tensor: e.target.value })} data-testid="learn-activation">
        {a.candidates.map((c) => (
          <option key={c.tensor} value={c.tensor}>
            {c.node} · {c.op}
          </option>
        ))}
      </select>
    </label>
  );
}

function SeeInAnalysis({ node }: { node: string }) {
  return (
    <button type="button" className="link small" onClick={() => void openInAnalysis(node)} data-testid="learn-open-analysis">
      See this layer in the full analysis
    </button>
  );
}

function Fact({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

/** Keyed by tensor: another tensor starts from its full range again. */
function AffineLesson({ a }: { a: ActivationMaterial }) {
  const h = a.histogram;
  const signed = h.min < 0;
  const [bits, setBits] = useState(8);
  const [hiFrac, setHiFrac] = useState(1);
  const [loFrac, setLoFrac] = useState(1);
  const [logY, setLogY] = useState(true);
  const range = { min: signed ? h.min * loFrac : 0, max: h.max * hiFrac };
  const l = useMemo(() => affineLesson(h, range, bits, false), [h, range.min, range.max, bits]); // eslint-disable-line react-hooks/exhaustive-deps
  const bars = useMemo(() => rebinHistogram(h, 160), [h]);
  const figure = useMemo(() => affineFigure(bars, l, a.tensor, logY), [bars, l, a.tensor, logY]);
  return (
    <>
      <p>
        An integer <Tex tex="q" /> stands for the real value <Tex tex="r" /> through a scale <Tex tex="s" /> and a zero point <Tex tex="z" />. Rounding to the nearest
        level costs at most half a step; values beyond the range are clipped to its ends.
      </p>
      <Tex block tex="r = s\,(q - z)" />
      <Tex block tex={`s = \\frac{r_{\\max} - r_{\\min}}{q_{\\max} - q_{\\min}} = ${texNum(l.scale)},\\qquad z = q_{\\min} - \\operatorname{round}\\!\\left(\\frac{r_{\\min}}{s}\\right) = ${l.zeroPoint}`} />
      <ActivationPicker a={a} />
      <div className="row">
        <label className="field">
          <span>Bits: {bits}</span>
          <input type="range" min={2} max={8} step={1} value={bits} onChange={(e) => setBits(Number(e.target.value))} data-testid="learn-bits" />
        </label>
        <label className="field">
          <span>Range top: {(hiFrac * 100).toFixed(0)}% of the largest value</span>
          <input type="range" min={0.02} max={1.5} step={0.01} value={hiFrac} onChange={(e) => setHiFrac(Number(e.target.value))} data-testid="learn-range-max" />
        </label>
        {signed && (
          <label className="field">
            <span>Range bottom: {(loFrac * 100).toFixed(0)}% of the smallest</span>
            <input type="range" min={0.02} max={1.5} step={0.01} value={loFrac} onChange={(e) => setLoFrac(Number(e.target.value))} data-testid="learn-range-min" />
          </label>
        )}
      </div>
      <label className="check">
        <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> log count axis (a ReLU&apos;s zeros would hide the rest)
      </label>
      <Plot figure={figure} testId="learn-affine-chart" />
      <dl className="facts">
        <Fact label="scale s (one step)" value={l.scale.toPrecision(4)} testId="learn-scale" />
        <Fact label="zero point z" value={String(l.zeroPoint)} testId="learn-zero-point" />
        <Fact label="largest rounding error s/2" value={l.maxRoundingError.toPrecision(3)} testId="learn-rounding" />
        <Fact label="levels the data can use" value={`${l.levelsUsed} of ${l.levels}`} testId="learn-levels-used" />
        <Fact label="values clipped" value={pct(l.clipped, 2)} testId="learn-clipped" />
        <Fact label="expected SQNR" value={db(l.sqnrDb)} testId="learn-sqnr" />
      </dl>
      <p className="muted">
        Try it: lower the top of the range and the step shrinks (less rounding error) until clipping the largest values costs more than it saves; lower the bits and each
        step doubles. The tensor is {a.node}&apos;s output ({a.op}), {a.histogram.total.toLocaleString('en')} values over {a.samples} calibration images.
      </p>
      <SeeInAnalysis node={a.node} />
    </>
  );
}

function SymmetricLesson({ a }: { a: ActivationMaterial }) {
  const [bits, setBits] = useState(8);
  const h = a.histogram;
  const asym = useMemo(() => affineLesson(h, { min: h.min, max: h.max }, bits, false), [h, bits]);
  const sym = useMemo(() => affineLesson(h, { min: h.min, max: h.max }, bits, true), [h, bits]);
  const rows = [
    { id: 'asymmetric', label: `asymmetric, uint${bits}`, l: asym },
    { id: 'symmetric', label: `symmetric, int${bits}`, l: sym },
  ];
  return (
    <>
      <p>
        Symmetric quantization fixes the zero point at 0 and centres the grid on zero: cheaper arithmetic (no zero-point terms), and natural for weights, which are spread
        around 0. Asymmetric places the grid over the data&apos;s own range.
      </p>
      <Tex block tex="\text{symmetric: } z = 0,\; s = \frac{\max |r|}{2^{b-1}-1} \qquad \text{asymmetric: } s = \frac{r_{\max} - r_{\min}}{2^{b}-1}" />
      <ActivationPicker a={a} />
      <label className="field inline">
        <span>Bits</span>
        <select value={bits} onChange={(e) => setBits(Number(e.target.value))} data-testid="learn-sym-bits">
          {[8, 6, 4, 3, 2].map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </label>
      <table className="data" data-testid="learn-sym-table">
        <thead>
          <tr>
            <th>grid</th>
            <th>scale</th>
            <th>zero point</th>
            <th>levels used</th>
            <th>expected SQNR</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-scheme={r.id} data-sqnr={r.l.sqnrDb} data-levels-used={r.l.levelsUsed}>
              <td>{r.label}</td>
              <td>{r.l.scale.toPrecision(4)}</td>
              <td>{r.l.zeroPoint}</td>
              <td>
                {r.l.levelsUsed} of {r.l.levels}
              </td>
              <td>{db(r.l.sqnrDb)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p data-testid="learn-sym-verdict">
        {h.min >= 0
          ? `This tensor has no negative values (it follows a ${a.op.includes('Relu') || a.op.includes('Clip') ? 'ReLU' : 'non-negative op'}): the symmetric grid spends its negative half on nothing and keeps ${sym.levelsUsed} of ${sym.levels} levels, so its steps are twice as coarse — ${(asym.sqnrDb - sym.sqnrDb).toFixed(1)} dB lost. That is why activations after a ReLU are quantized asymmetrically (uint8).`
          : `This tensor takes both signs (from ${h.min.toPrecision(3)} to ${h.max.toPrecision(3)}): the symmetric grid wastes only the side that reaches less far, ${(asym.sqnrDb - sym.sqnrDb).toFixed(1)} dB here.`}
      </p>
      <SeeInAnalysis node={a.node} />
    </>
  );
}

function GranularityLesson({ w }: { w: WeightMaterial }) {
  const figure = useMemo(() => channelRangeFigure(w.view, true), [w.view]);
  const p8 = w.sweep.find((p) => p.bits === 8)!;
  const fewest = Math.min(...w.view.channels.levelsPerTensor);
  return (
    <>
      <p>
        A weight can share one scale for the whole tensor, or have one per output channel. One scale must cover the widest channel; a narrow channel then falls on a
        handful of its levels. Depthwise convolutions, where each channel is its own filter, are where channels differ most.
      </p>
      <Tex block tex={`\\text{per-tensor: } s = \\frac{\\max_{c}\\max|W_c|}{127} \\qquad \\text{per-channel: } s_c = \\frac{\\max|W_c|}{127}`} />
      <label className="field">
        <span>Weight of this model (largest/smallest channel |w|max)</span>
        <select value={w.node} onChange={(e) => void loadLearn({ node: e.target.value })} data-testid="learn-weight">
          {w.candidates.map((c) => (
            <option key={c.node} value={c.node}>
              {c.node} · {c.op} · {c.spread.toPrecision(3)}×
            </option>
          ))}
        </select>
      </label>
      <Plot figure={figure} testId="learn-channel-chart" />
      <dl className="facts">
        <Fact label="channel spread" value={`${w.view.spread.toPrecision(3)}×`} testId="learn-spread" />
        <Fact label="fewest per-tensor levels a channel uses" value={String(fewest)} testId="learn-fewest-levels" />
        <Fact label="narrowest channel, per-tensor" value={db(p8.narrowestPerTensorDb)} testId="learn-narrow-pt" />
        <Fact label="narrowest channel, per-channel" value={db(p8.narrowestPerChannelDb)} testId="learn-narrow-pc" />
        <Fact label="whole weight, per-tensor / per-channel" value={`${db(p8.perTensorDb)} / ${db(p8.perChannelDb)}`} testId="learn-whole" />
      </dl>
      <p className="muted">
        The whole-weight SQNR hides the damage: the wide channels hold nearly all the energy. The narrow channel&apos;s own SQNR shows what its output loses — and every
        channel feeds the next layer.
      </p>
      <SeeInAnalysis node={w.node} />
    </>
  );
}

function CalibrationLesson({ a }: { a: ActivationMaterial }) {
  const figure = useMemo(() => activationFigure(a.view, true), [a.view]);
  const best = a.view.choices.reduce((x, y) => (y.expectedSqnrDb > x.expectedSqnrDb ? y : x));
  return (
    <>
      <p>
        Calibration runs the model on sample images and picks each activation&apos;s range from what it saw. Min/max keeps every value but spends levels on rare outliers;
        the others clip the tail to shrink the step: a percentile, the range whose quantized distribution stays closest to the original (entropy, KL divergence), or the one
        with the least squared error.
      </p>
      <Tex block tex="\text{MSE: }\; \hat r = \arg\min_{r}\; \mathbb{E}\big[(x - Q_r(x))^2\big] \qquad \text{Entropy: }\; \hat r = \arg\min_r D_{\mathrm{KL}}\big(P \,\|\, Q_r\big)" />
      <ActivationPicker a={a} />
      <Plot figure={figure} testId="learn-calib-chart" />
      <table className="data" data-testid="learn-calib-table">
        <thead>
          <tr>
            <th>calibrator</th>
            <th>range</th>
            <th>clipped</th>
            <th>expected SQNR</th>
          </tr>
        </thead>
        <tbody>
          {a.view.choices.map((c) => (
            <tr key={c.calibrator} data-calibrator={c.calibrator} data-sqnr={c.expectedSqnrDb} className={c === best ? 'best' : undefined}>
              <td>{c.label}</td>
              <td>
                [{c.min.toPrecision(3)}, {c.max.toPrecision(3)}]
              </td>
              <td>{pct(c.clipped, 3)}</td>
              <td>{db(c.expectedSqnrDb)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        On this tensor {best.label} leaves the least error. The best range for one tensor is not always best for the model: the Calibration size and Sensitivity views
        measure the whole network.
      </p>
      <SeeInAnalysis node={a.node} />
    </>
  );
}

function BitsLesson({ a, w }: { a: ActivationMaterial; w: WeightMaterial }) {
  const figure = useMemo(() => bitsFigure(w, a), [w, a]);
  const at = (b: number) => a.bits.find((p) => p.bits === b)?.sqnrDb ?? NaN;
  const perBit = (at(8) - at(5)) / 3;
  return (
    <>
      <p>
        Each bit removed halves the number of levels and doubles the step, so the rounding noise power grows 4×: about 6 dB of SQNR a bit, as long as rounding, not
        clipping, is the error. At 3 and 2 bits the rule breaks down.
      </p>
      <Tex block tex="\text{SQNR} = 10\log_{10}\frac{\mathbb{E}[x^2]}{\mathbb{E}[(x - \hat x)^2]} \;\approx\; 6.02\, b + c \;\text{dB}" />
      <Plot figure={figure} testId="learn-bits-chart" />
      <p data-testid="learn-per-bit">
        Measured on this model&apos;s activation: {perBit.toFixed(2)} dB a bit from 8 to 5 bits ({db(at(8))} at 8 bits, {db(at(4))} at 4, {db(at(2))} at 2).
        {perBit < 5 &&
          ' Less than 6 dB: a long tail sets this range, so most values are smaller than one step and round to zero — the error is no longer uniform rounding noise. Clipping the tail (the previous lesson) buys the bits back.'}
      </p>
      <p className="muted">
        The Bits × granularity view measures what these tensor-level figures cost the whole model&apos;s accuracy, and Mixed precision spends bits where they matter most.
      </p>
      <SeeInAnalysis node={w.node} />
    </>
  );
}

type QatState = { status: 'idle' } | { status: 'training'; done: number; total: number } | { status: 'done'; result: QatExperiment };

/**
 * PTQ against QAT, for real: a small network trained in a worker (float, then quantized both ways), the
 * accuracies shown as measured. Not the loaded model: QAT needs its training data and loop, which a CNN file
 * does not carry.
 */
function QatLesson() {
  const [state, setState] = useState<QatState>({ status: 'idle' });
  const [worker, setWorker] = useState<Worker | null>(null);
  useEffect(() => () => worker?.terminate(), [worker]);
  const start = () => {
    const w = new Worker(new URL('../../workers/qat.worker.ts', import.meta.url), { type: 'module', name: 'quantscope-qat' });
    w.onmessage = (e: MessageEvent<{ progress?: { done: number; total: number }; result?: QatExperiment | null }>) => {
      if (e.data.progress) setState({ status: 'training', ...e.data.progress });
      if (e.data.result) {
        setState({ status: 'done', result: e.data.result });
        w.terminate();
      }
    };
    w.postMessage('start');
    setWorker(w);
    setState({ status: 'training', done: 0, total: 1 });
  };
  const cancel = () => {
    worker?.terminate();
    setWorker(null);
    setState({ status: 'idle' });
  };
  const r = state.status === 'done' ? state.result : null;
  const figure = useMemo(() => (r ? lossFigure(r) : null), [r]);
  return (
    <>
      <p>
        Post-training quantization (PTQ) rounds a trained network and calibrates its ranges: no training, and at 8 bits usually enough. At very few bits the rounding
        errors are too large to leave alone. Quantization-aware training (QAT) goes on training with the rounding in the forward pass, so the weights learn to live on the
        grid. Rounding has no useful gradient (zero almost everywhere), so the backward pass pretends it is the identity inside the range: the straight-through estimator.
      </p>
      <Tex block tex="\text{forward: } \hat w = s\,\operatorname{clamp}\!\left(\operatorname{round}\!\left(\tfrac{w}{s}\right), q_{\min}, q_{\max}\right)" />
      <Tex block tex="\text{backward: } \frac{\partial L}{\partial w} \approx \frac{\partial L}{\partial \hat w}\,\mathbb{1}\!\left[q_{\min} \le \tfrac{w}{s} \le q_{\max}\right]" />
      <p className="muted">
        QAT needs the training data and loop, which a model file does not carry, so this lesson trains a network of its own in the page: 2 → 64 → 64 → 3 neurons with
        ReLU, classifying points of three spiral arms (600 to train, 600 held out), weights per-channel and activations at the same bit width.
      </p>
      {state.status === 'training' ? (
        <div className="row">
          <progress max={state.total} value={state.done} data-testid="qat-progress" />
          <span className="muted">
            epoch {state.done} of {state.total}
          </span>
          <button type="button" className="secondary" onClick={cancel} data-testid="qat-cancel">
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="primary" onClick={start} data-testid="qat-train">
          {r ? 'Train again' : 'Train it: float, then PTQ and QAT at 4 and 2 bits'}
        </button>
      )}
      {r && (
        <>
          <table className="data" data-testid="qat-table">
            <thead>
              <tr>
                <th>weights and activations</th>
                <th>PTQ accuracy</th>
                <th>QAT accuracy</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>float (32 bits)</td>
                <td colSpan={2}>{pct(r.fp32)}</td>
              </tr>
              {r.results.map((x) => (
                <tr key={x.bits} data-bits={x.bits} data-ptq={x.ptq} data-qat={x.qat}>
                  <td>{x.bits} bits</td>
                  <td>{pct(x.ptq)}</td>
                  <td className={x.qat > x.ptq ? 'better' : undefined}>{pct(x.qat)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {figure && <Plot figure={figure} testId="qat-chart" />}
          <p data-testid="qat-verdict">
            {r.results
              .map((x) =>
                x.qat - x.ptq > 0.05
                  ? `At ${x.bits} bits PTQ falls to ${pct(x.ptq)} and QAT brings it back to ${pct(x.qat)}.`
                  : `At ${x.bits} bits PTQ already keeps ${pct(x.ptq)} (QAT ${pct(x.qat)}): no need to retrain.`,
              )
              .join(' ')}{' '}
            For a CNN the same holds: try PTQ first (per-channel, a good calibrator, CLE and bias correction); retrain only where it cannot reach the accuracy you need.
          </p>
        </>
      )}
    </>
  );
}

const VARIANT_WORDS: Record<string, string> = { 'per-tensor': 'per-tensor weights', 'per-channel': 'per-channel weights' };

/**
 * The classic ways int8 goes wrong, each reproduced on the loaded model with one click and fixed with another.
 * They are ordinary runs: the settings change as the buttons say, and the results and analysis follow.
 */
function FailuresLesson() {
  const s = useAppShallow((x) => ({ runs: x.failureRuns, running: x.failureRunning, error: x.failureError, progress: x.failureRunning ? x.progress : null, model: x.model?.fileName ?? null, busy: x.runStatus === 'running' }));
  return (
    <>
      <p>
        Each case runs the quantization of <b>{s.model ?? 'the loaded model'}</b> with the setting that causes the failure, then with its fix, and shows the agreement with
        FP32 (top-1) and the output SQNR of both. The run&apos;s settings change as the buttons say (see the setup column when the lessons are closed).
      </p>
      {s.running && s.progress && <ProgressLine progress={s.progress} label={s.progress.phase === 'evaluate' ? 'Evaluating' : 'Calibrating'} testId="failure-progress" />}
      {s.error && <p className="error">{s.error}</p>}
      {TEXTBOOK.map((c) => {
        const runs = (['failure', 'fix'] as const).map((step) => s.runs.find((r) => r.caseId === c.id && r.step === step));
        return (
          <section key={c.id} className="failure-case" data-testid={`failure-${c.id}`}>
            <h3>{c.title}</h3>
            <p className="small">{c.why}</p>
            <div className="row">
              <button type="button" className="secondary" disabled={!s.model || s.busy} onClick={() => void reproduce(c.id, 'failure')} data-testid={`failure-${c.id}-reproduce`}>
                {s.running === c.id ? 'Running…' : `Reproduce: ${c.failureText}`}
              </button>
              <button type="button" className="secondary" disabled={!s.model || s.busy || !runs[0]} onClick={() => void reproduce(c.id, 'fix')} data-testid={`failure-${c.id}-fix`}>
                {`Fix: ${c.fixText}`}
              </button>
            </div>
            {runs.some(Boolean) && (
              <table className="data">
                <thead>
                  <tr>
                    <th>run</th>
                    <th>agreement, {VARIANT_WORDS[c.watch]}</th>
                    <th>output SQNR</th>
                    <th>mean layer SQNR</th>
                  </tr>
                </thead>
                <tbody>
                  {runs.map(
                    (r, i) =>
                      r && (
                        <tr key={i} data-step={r.step} data-agreement={r.agreement[c.watch]} data-sqnr={r.outputSqnrDb[c.watch]} data-layer-sqnr={r.layerSqnrDb[c.watch]}>
                          <td>{r.settings}</td>
                          <td>{pct(r.agreement[c.watch])}</td>
                          <td>{db(r.outputSqnrDb[c.watch])}</td>
                          <td>{db(r.layerSqnrDb[c.watch])}</td>
                        </tr>
                      ),
                  )}
                </tbody>
              </table>
            )}
          </section>
        );
      })}
    </>
  );
}

/** Batch-norm folding on the model as it was loaded (keyed by model: another model starts over). */
function BnLesson() {
  const [conv, setConv] = useState<string | undefined>(undefined);
  const [state, setState] = useState<{ lesson: BnFoldLesson | null; error?: string } | null>(null);
  useEffect(() => {
    let live = true;
    engine()
      .learnBatchNorm(conv)
      .then((lesson) => live && setState({ lesson }))
      .catch((e: unknown) => live && setState({ lesson: null, error: e instanceof Error ? e.message : String(e) }));
    return () => {
      live = false;
    };
  }, [conv]);
  const l = state?.lesson ?? null;
  const figure = useMemo(() => (l ? bnFigure(l) : null), [l]);
  const shown = l ? Math.min(8, l.k.length) : 0;
  return (
    <>
      <p>
        A BatchNormalization after a convolution is an affine map per output channel at inference time, so it can be folded into the convolution&apos;s weights and bias: one
        op less, and what gets quantized is the folded weight. Each channel is scaled by its own factor k — which can pull the channels&apos; ranges far apart.
      </p>
      <Tex block tex="y = \gamma\,\frac{(W * x + b) - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta = W' * x + b', \qquad k = \frac{\gamma}{\sqrt{\sigma^2 + \varepsilon}}" />
      <Tex block tex="W'_c = k_c\,W_c, \qquad b'_c = (b_c - \mu_c)\,k_c + \beta_c" />
      {!state ? (
        <p className="muted">Reading the model as loaded…</p>
      ) : state.error ? (
        <p className="error">{state.error}</p>
      ) : !l ? (
        <p data-testid="bn-none">
          This model has no BatchNormalization after a convolution: it was folded before export (as in most exported MobileNets), or the network never had one. The
          built-in demo (PP-OCR&apos;s classifier) has 35.
        </p>
      ) : (
        <>
          <label className="field">
            <span>Convolution + BatchNormalization of this model (channel spread before → after folding)</span>
            <select value={l.pair.conv} onChange={(e) => setConv(e.target.value)} data-testid="bn-pair">
              {l.candidates.map((c) => (
                <option key={c.conv} value={c.conv}>
                  {c.conv} · {c.spreadBefore.toPrecision(3)}× → {c.spreadAfter.toPrecision(3)}×
                </option>
              ))}
            </select>
          </label>
          {figure && <Plot figure={figure} testId="bn-chart" />}
          <dl className="facts">
            <Fact label="channel spread before folding" value={`${l.pair.spreadBefore.toPrecision(3)}×`} testId="bn-spread-before" />
            <Fact label="after folding" value={`${l.pair.spreadAfter.toPrecision(3)}×`} testId="bn-spread-after" />
            <Fact label="ε" value={String(Number(l.epsilon.toPrecision(3)))} testId="bn-epsilon" />
          </dl>
          <table className="data" data-testid="bn-table">
            <thead>
              <tr>
                <th>channel</th>
                <th>γ</th>
                <th>β</th>
                <th>μ</th>
                <th>σ²</th>
                <th>k</th>
                <th>|w| max → </th>
                <th>bias → </th>
              </tr>
            </thead>
            <tbody>
              {Array.from({ length: shown }, (_, c) => (
                <tr key={c} data-k={l.k[c]}>
                  <td>{c}</td>
                  <td>{l.gamma[c].toPrecision(3)}</td>
                  <td>{l.beta[c].toPrecision(3)}</td>
                  <td>{l.mean[c].toPrecision(3)}</td>
                  <td>{l.variance[c].toPrecision(3)}</td>
                  <td>{l.k[c].toPrecision(3)}</td>
                  <td>
                    {l.absMaxBefore[c].toPrecision(3)} → {l.absMaxAfter[c].toPrecision(3)}
                  </td>
                  <td>
                    {l.biasBefore[c].toPrecision(3)} → {l.biasAfter[c].toPrecision(3)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">
            {l.pair.spreadAfter > l.pair.spreadBefore * 1.5
              ? `Folding widened this layer's channel spread ${(l.pair.spreadAfter / l.pair.spreadBefore).toPrecision(3)}-fold: a per-tensor scale that fit the raw weights no longer fits the folded ones. Per-channel scales (or cross-layer equalisation) take it.`
              : 'Here folding leaves the channels about as alike as before; on other layers (see the list) it does not.'}{' '}
            The first {shown} of {l.k.length} channels are listed.
          </p>
          <SeeInAnalysis node={l.pair.conv} />
        </>
      )}
    </>
  );
}
