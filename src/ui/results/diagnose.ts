import type { RunReport } from '../../core';

export interface Finding {
  level: 'bad' | 'good' | 'info';
  text: string;
}

/**
 * Plain-language reading of a run: which configuration collapsed, and where its error starts. Pure, so the
 * wording is tested against real reports.
 */
export function diagnose(report: RunReport): Finding[] {
  const out: Finding[] = [];
  const pt = report.variants.find((v) => v.id === 'per-tensor');
  const pc = report.variants.find((v) => v.id === 'per-channel');
  if (pt && pc) {
    const gap = pc.agreementTop1 - pt.agreementTop1;
    if (pt.agreementTop1 < 0.5 && pc.agreementTop1 >= 0.5) {
      // The layer where per-tensor falls furthest behind per-channel, in graph order: where to look first.
      let worst = null as null | { node: string; op: string; delta: number; pt: number; depthwise?: boolean };
      for (const l of report.layers) {
        const a = l.sqnrDb['per-tensor'];
        const b = l.sqnrDb['per-channel'];
        if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) continue;
        if (!worst || b - a > worst.delta) worst = { node: l.node, op: l.op, delta: b - a, pt: a, depthwise: l.depthwise };
      }
      out.push({
        level: 'bad',
        text:
          `Per-tensor weight quantization collapses this model: int8 agrees with FP32 on only ${(pt.agreementTop1 * 100).toFixed(1)}% of images, against ${(pc.agreementTop1 * 100).toFixed(1)}% with per-channel scales.` +
          (worst
            ? ` The largest loss is at ${worst.depthwise ? 'depthwise ' : ''}${worst.op} '${worst.node}' (${worst.delta.toFixed(1)} dB below per-channel): when the output channels of a layer have weight ranges that differ by orders of magnitude, one scale for the whole tensor leaves the small channels with one or two levels. Use per-channel weights (or equalise the ranges across layers).`
            : ''),
      });
    } else if (pc.agreementTop1 < 0.5 && pt.agreementTop1 < 0.5) {
      const c = pc.config;
      const low = c.weightBits < 8 || c.activationBits < 8;
      out.push({
        level: 'bad',
        text:
          `Neither granularity keeps this model at W${c.weightBits}A${c.activationBits}: int8 agrees with FP32 on ${(pt.agreementTop1 * 100).toFixed(1)}% (per-tensor) and ${(pc.agreementTop1 * 100).toFixed(1)}% (per-channel) of images. ` +
          (low
            ? `Post-training quantization below 8 bits usually needs more than rounding: try 8-bit ${c.weightBits < 8 ? 'weights' : 'activations'}, cross-layer equalisation with bias correction, or keep the weakest layers (below) in higher precision.`
            : 'Try cross-layer equalisation with bias correction, another calibrator, or keep the weakest layers (below) in FP32.'),
      });
    } else if (Math.abs(gap) < 0.03 && pt.agreementTop1 >= 0.9) {
      out.push({ level: 'good', text: `Both granularities keep this model: int8 agrees with FP32 on ${(pt.agreementTop1 * 100).toFixed(1)}% (per-tensor) and ${(pc.agreementTop1 * 100).toFixed(1)}% (per-channel) of images.` });
    }
  }
  const first = report.layers.find((l) => Object.values(l.sqnrDb).some((x) => x < 10));
  if (first) {
    out.push({ level: 'info', text: `The first layer whose error falls below 10 dB in some configuration is ${first.depthwise ? 'depthwise ' : ''}${first.op} '${first.node}'.` });
  }
  return out;
}
