/** A spec, frame or plan the world's rules cannot lay out or rasterise: bad input, not a bug. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}
