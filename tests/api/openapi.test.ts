/** /api/openapi.json: built from the routes' zod schemas. */
import { describe, expect, it } from "vitest";

import { GET } from "../../app/api/openapi.json/route";
import { body, request } from "./helpers";

describe("GET /api/openapi.json", () => {
  it("describes every route, with request bodies from the zod schemas", async () => {
    const res = await GET(request("GET", "/api/openapi.json"));
    expect(res.status).toBe(200);
    const doc = await body(res);
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/jobs", "/api/jobs/{id}", "/api/jobs/{id}/events", "/api/jobs/{id}/front", "/api/queue/pause", "/api/videos", "/api/videos/{id}", "/api/words", "/media/{videoId}/{file}"]),
    );
    const create = doc.paths["/api/jobs"].post.requestBody.content["application/json"].schema;
    expect(create.required ?? []).toEqual([]); // prompt or shots: exactly one, checked beyond the schema
    expect(create.properties.prompt.maxLength).toBe(500);
    const shot = create.properties.shots.items;
    expect(shot.required).toEqual(["prompt", "seconds"]);
    expect(shot.properties.prompt.maxLength).toBe(500);
    expect(shot.properties.camera.enum).toEqual(["static", "pan-left", "pan-right", "pan-up", "pan-down", "follow", "zoom-in", "zoom-out"]);
    expect(create.properties.shots).toMatchObject({ minItems: 1, maxItems: 20 });
    expect(create.properties.variations).toMatchObject({ minimum: 1, maximum: 4 });
    expect(create.additionalProperties).toBe(false);
    const cont = doc.paths["/api/videos/{id}/continue"].post.requestBody.content["application/json"].schema;
    expect(cont.required).toEqual(["frame", "seconds"]);
    expect(cont.properties.frame).toMatchObject({ type: "integer", minimum: 1 });
    expect(cont.properties.seconds).toMatchObject({ type: "number", exclusiveMinimum: 0 });
    const scope = doc.paths["/api/videos"].get.parameters.find((p: { name: string }) => p.name === "scope");
    expect(scope.schema.enum).toEqual(["all", "mine", "public"]);
  });
});
