/** An error about a model file or graph. Messages are sentences that say what was wrong and what to do. */
export class OnnxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxError';
  }
}
