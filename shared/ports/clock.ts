/** Injected so that tests control time (retention, delivery times). */
export interface Clock {
  now(): Date;
}
