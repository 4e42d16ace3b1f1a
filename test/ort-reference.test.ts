import { describe, expect, it } from 'vitest';

import type { ActivationStats } from '../src/core/calib/stats';
import { prepareVariants } from '../src/core/engine/experiment';
import { buildVariant, collectStatistics } from '../src/core/engine/pipeline';
import type { Variant } from '../src/core/engine/pipeline';
import { parseModel } from '../src/core/onnx/model';
import { normalizeModel } from '../src/core/onnx/normalize';
import { defaultQuantConfig } from '../src/core/quant/config';
import type { QuantizedTensor } from '../src/core/quant/qdq';
import { createNodeSession } from '../src/node/ort-node';
import { HAVE_SHARED, SHARED_MODELS, SKIP_REASON, readShared, referenceCalibration, referenceQParams } from './shared-data';

if (!HAVE_SHARED) console.log(`SKIPPED ORT reference comparison: ${SKIP_REASON}`);

/** Relative tolerance on scales: ORT and we compute in float32 from the same ranges; measured worst 6.4e-7. */
const RTOL = 1e-6;

async function* iterate<T>(it: Iterable<T>) {
  yield* it;
}

describe.skipIf(!HAVE_SHARED)("MinMax scales and zero points equal ONNX Runtime's quantize_static (../shared/reference)", () => {
  for (const m of SHARED_MODELS) {
    describe(m.id, () => {
      let stats: ActivationStats;
      const model = HAVE_SHARED ? parseModel(readShared('models', m.file)) : null;

      it('calibrates on the same 200 inputs ORT used', async () => {
        normalizeModel(model!);
        stats = await collectStatistics(createNodeSession, model!, iterate(referenceCalibration(m)), 200);
        expect(stats.samples).toBe(200);
      });

      /** Every tensor ORT quantized: same scale (rtol RTOL), zero point, type and axis; returns the worst relative scale difference. */
      const expectOrtParams = (v: Variant, g: 'pertensor' | 'perchannel') => {
        const ref = referenceQParams(m, `MinMax_${g}`);
        // ORT keys activations by their QuantizeLinear output (the source tensor in `src`), weights and biases
        // by the quantized initializer's name.
        const ours = new Map<string, QuantizedTensor>();
        for (const t of v.qdq.tensors) ours.set(t.kind === 'activation' ? t.name : `${t.name}_quantized`, t);
        const refKeys = Object.entries(ref).map(([k, r]) => (r.op === 'QuantizeLinear' ? r.src.replace(/_QuantizeLinear_Input$/, '') : k));
        expect(new Set(ours.keys())).toEqual(new Set(refKeys));
        let worst = 0;
        for (const [k, r] of Object.entries(ref)) {
          const t = ours.get(r.op === 'QuantizeLinear' ? r.src.replace(/_QuantizeLinear_Input$/, '') : k)!;
          expect(t.zeroPoint, k).toEqual(r.zp);
          expect(t.dtype, k).toBe(r.dtype);
          expect(t.axis, k).toBe(r.axis);
          expect(t.scale.length, k).toBe(r.scale.length);
          r.scale.forEach((s, i) => {
            const rel = Math.abs(t.scale[i] - s) / s;
            worst = Math.max(worst, rel);
            expect(rel, `${k}[${i}]: ${t.scale[i]} vs ORT ${s}`).toBeLessThanOrEqual(RTOL);
          });
        }
        return { tensors: Object.keys(ref).length, worst };
      };

      for (const g of ['pertensor', 'perchannel'] as const) {
        it(`${g}: every tensor ORT quantized, same scale (rtol ${RTOL}), same zero point, same axis`, () => {
          const v = buildVariant(g, model!, stats, { ...defaultQuantConfig, weightGranularity: g === 'pertensor' ? 'per-tensor' : 'per-channel' });
          const { tensors, worst } = expectOrtParams(v, g);
          console.log(`${m.id} ${g}: ${tensors} tensors, worst relative scale difference ${worst.toExponential(2)}, ${v.qdq.fused.length} Relu/Clip fused`);
        });
      }

      it("the workbench's calibration (statistics of the tensors its int8 models read only) gives the same parameters", async () => {
        const specs = (['pertensor', 'perchannel'] as const).map((g) => ({ id: g, config: { ...defaultQuantConfig, weightGranularity: g === 'pertensor' ? ('per-tensor' as const) : ('per-channel' as const) } }));
        const prepared = await prepareVariants(createNodeSession, model!, specs, () => iterate(referenceCalibration(m)), 200);
        const t = prepared.calibrationTiming;
        expect(t.tensors).toBeLessThan(t.floatTensors!);
        for (const v of prepared.variants) {
          const { worst } = expectOrtParams(v, v.id as 'pertensor' | 'perchannel');
          console.log(`${m.id} ${v.id} from ${t.tensors} of ${t.floatTensors} tensors' statistics: worst relative scale difference ${worst.toExponential(2)}`);
        }
      });

      it('Percentile (99.999, two-sided) thresholds are within 0.5% of ORT on every activation but the input', () => {
        const v = buildVariant('p', model!, stats, { ...defaultQuantConfig, calibrator: 'percentile' });
        const ref = referenceQParams(m, 'Percentile_pertensor');
        const inputName = model!.graph!.input[0].name;
        let worst = 0;
        let compared = 0;
        for (const r of Object.values(ref)) {
          if (r.op !== 'QuantizeLinear') continue;
          const src = r.src.replace(/_QuantizeLinear_Input$/, '');
          if (src === inputName) continue;
          const t = v.qdq.tensors.find((x) => x.name === src)!;
          // Compare the upper end of the range each scale covers: s·(qmax − z).
          const theirs = r.scale[0] * (255 - r.zp[0]);
          const ours = t.scale[0] * (255 - t.zeroPoint[0]);
          worst = Math.max(worst, Math.abs(ours - theirs) / theirs);
          compared++;
        }
        console.log(`${m.id} Percentile: ${compared} activations, worst relative difference of the upper threshold ${(worst * 100).toFixed(3)}%`);
        expect(compared).toBeGreaterThan(20);
        expect(worst).toBeLessThan(0.005);
      });
    });
  }
});
