import type { ModelInfo, RunReport } from '../../core';

/** What was changed in the graph before and during quantization, with the folding equations. */
export function Preparation({ model, report }: { model: ModelInfo | null; report: RunReport }) {
  const folded = model?.normalization.batchNormsFolded ?? [];
  const fused = report.variants[0]?.fused ?? [];
  const opset = model?.normalization.opset;
  return (
    <details className="preparation" data-testid="preparation">
      <summary>
        Graph preparation: {folded.length} BatchNorm folded, {fused.length} activations fused
        {report.equalizedPairs ? `, ${report.equalizedPairs} layer pairs equalised` : ''}
      </summary>
      {opset && opset.from !== opset.to && (
        <p>
          Opset {opset.from} → {opset.to}: {opset.rewritten} nodes rewritten (attributes that became inputs; Softmax&apos;s old 2-D semantics spelled out).
        </p>
      )}
      {folded.length > 0 && (
        <>
          <p>
            BatchNormalization after a Conv is folded into its weights and bias, per output channel o:{' '}
            <span className="formula">w′ₒ = wₒ · γₒ / √(σ²ₒ + ε)</span>, <span className="formula">b′ₒ = (bₒ − μₒ) · γₒ / √(σ²ₒ + ε) + βₒ</span>. The FP32 model computes the same
            function; quantization then sees the folded weights, whose channel ranges can differ widely.
          </p>
          <ul className="compact">
            {folded.slice(0, 200).map((f) => (
              <li key={f.batchNorm} className="mono">
                {f.batchNorm} → {f.conv}
              </li>
            ))}
          </ul>
        </>
      )}
      {fused.length > 0 && (
        <>
          <p>
            Activations fused into the op before them (no QuantizeLinear between them): the following QuantizeLinear clamps to [0, s·(q<sub>max</sub> − z)], which is exactly what
            Relu or ReLU6 would do.
          </p>
          <ul className="compact">
            {fused.slice(0, 200).map((f) => (
              <li key={f.activation} className="mono">
                {f.producerOp} {f.producer} + {f.activationOp} {f.activation}
              </li>
            ))}
          </ul>
        </>
      )}
      {report.equalizedPairs > 0 && (
        <p>
          Cross-layer equalisation rescaled {report.equalizedPairs} Conv → activation → Conv pairs: output channel i of the first by 1/sᵢ and input channel i of the second by sᵢ, with{' '}
          <span className="formula">sᵢ = √(r₁ᵢ / r₂ᵢ)</span> from the weight ranges; ReLU6 kept exact as Relu + Min with a per-channel cap 6/sᵢ.
        </p>
      )}
    </details>
  );
}
