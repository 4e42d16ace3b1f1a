import { OnnxError } from '../errors';
import { valueDims } from '../model';
import type { GraphProto } from '../model';

/**
 * Replaces the dynamic dims of a graph input (all but the batch dim) with fixed sizes, so the input size is
 * known for preprocessing and every activation has a static shape. `dims` excludes the batch dim.
 */
export function fixInputDims(graph: GraphProto, inputName: string, dims: number[]): void {
  const input = graph.input.find((i) => i.name === inputName);
  const shape = input?.type?.value.case === 'tensorType' ? input.type.value.value.shape : undefined;
  if (!input || !shape) throw new OnnxError(`The model has no tensor input named '${inputName}'.`);
  const current = valueDims(input)!;
  if (current.length !== dims.length + 1) {
    throw new OnnxError(
      `Input '${inputName}' has ${current.length} dims, but ${dims.length + 1} were given (batch + [${dims.join(', ')}]).`,
    );
  }
  dims.forEach((d, i) => {
    const dim = shape.dim[i + 1];
    if (current[i + 1] !== -1 && current[i + 1] !== d) {
      throw new OnnxError(`Input '${inputName}' has a fixed size ${current[i + 1]} at dim ${i + 1}, not ${d}.`);
    }
    dim.value = { case: 'dimValue', value: BigInt(d) };
  });
}
