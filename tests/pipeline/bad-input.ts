/** The message of the BAD_INPUT error generate() refuses these options with (a test fails if it does not). */
import { expect } from "vitest";

import { PipelineError } from "../../lib/pipeline/errors";
import { generate, type GenerateOptions } from "../../lib/pipeline/generate";

export async function badInput(options: GenerateOptions): Promise<string> {
  const err = await generate(options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PipelineError);
  expect((err as PipelineError).code).toBe("BAD_INPUT");
  return (err as PipelineError).message;
}
