import { useEffect, useMemo, useState } from 'react';

import { affineLesson, rebinHistogram } from '../../core';
import type { ActivationMaterial, WeightMaterial } from '../../core';
import { runQuantization } from '../../store/actions';
import { loadLearn, openInAnalysis, setLearnStep, toggleLearn } from '../../store/learn-actions';
import { useAppShallow } from '../../store/store';
import { Plot } from '../analysis/Plot';
import { activationFigure, channelRangeFigure } from '../analysis/plots';
import { db, pct } from '../format';
import { affineFigure, bitsFigure } from './learn-plots';
import { Tex, texNum } from './Tex';

const LESSONS = [
  { id: 'affine', title: 'The affine map' },
  { id: 'symmetric', title: 'Symmetric or asymmetric' },
  { id: 'granularity', title: 'Per-tensor or per-channel' },
  { id: 'calibration', title: 'Choosing the range' },
  { id: 'bits', title: 'What a bit is worth' },
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
    a: x.learnActivation,
    w: x.learnWeight,
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
      {!s.report ? (
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
      ) : !s.a || !s.w ? (
        <p className="muted">{s.loading ? 'Taking the lesson’s tensors from the model…' : 'This model has no calibrated activation or weight to teach with.'}</p>
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
