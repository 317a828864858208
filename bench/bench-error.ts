/** A failure the benchmark explains itself: printed as one clear message, no stack trace. */
export class BenchError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'BenchError';
  }
}
