/** Opaque ids for deliveries, jobs and tokens; injected so tests can make them predictable. */
export interface IdGenerator {
  next(): string;
}
