/**
 * The world's attributes and named constants, read from vocab.json, which
 * model/spacetime/plan_fixtures.py writes from world/vocab.py, world/config.py,
 * world/layout.py and plan.py (model/tests/test_plan_fixtures.py fails when it
 * is stale). Nothing here is typed twice: an attribute's index is its id in
 * the DiT's plan raster, so order comes from Python too.
 */
import table from "./vocab.json";

type NonEmpty = [string, ...string[]];
const nonEmpty = (list: string[], what: string): NonEmpty => {
  if (list.length === 0) throw new Error(`lib/plan/vocab.json has no ${what}`);
  return list as NonEmpty;
};

export const OBJECTS = nonEmpty(table.objects, "objects");
export const COLOURS = nonEmpty(table.colours, "colours");
export const SIZES = nonEmpty(table.sizes, "sizes");
export const MOTIONS = nonEmpty(table.motions, "motions");
export const SCENES = nonEmpty(table.scenes, "scenes");
export const RELATIONS = nonEmpty(table.relations, "relations");
/** Bounding-circle diameter in pixels at a 128-pixel frame. */
export const SIZE_PIXELS: Readonly<Record<string, number>> = table.size_pixels;
/** Kinds that turn round to face where they go (cars, boats, fish, birds). */
export const FACING_OBJECTS: readonly string[] = table.facing_objects;
/** Half the gap between objects in neighbouring cells, in pixels. */
export const MARGIN: number = table.margin;
export const GRAVITY_PX_PER_S2_AT_128: number = table.gravity_px_per_s2_at_128;
export const SPEED_PX_PER_S_AT_128: number = table.speed_px_per_s_at_128;
export const SPIN_RAD_PER_S: number = table.spin_rad_per_s;
export const GROW_RANGE = table.grow_range as [number, number];
/** One training clip: motions are defined over this many frames and repeat past it. */
export const CLIP_FRAMES: number = table.clip_frames;
export const MAX_SECONDS: number = table.max_seconds;
export const PLAN_VERSION: number = table.plan_version;
export const MAX_OBJECTS: number = table.max_objects;
export const RASTER_CHANNELS: readonly string[] = table.raster_channels;
/** The picture's motion under a moving camera: a DiT trained before the camera reads the channels before these (its manifest lists its own). */
export const CAMERA_CHANNELS: readonly string[] = table.camera_channels;
/** The scene's shading, after the camera's: a DiT trained before it reads the channels before it. */
export const SHADE_CHANNELS: readonly string[] = table.shade_channels;
/** How a clip is filmed (world/camera.py); a spec that says none is filmed by a static camera. */
export const CAMERA_MOVES = nonEmpty(table.camera_moves, "camera moves");
/** The moves about one subject (follow, close-up): the object phrase right after them names it. */
export const TARGETED_CAMERA_MOVES: readonly string[] = table.targeted_camera_moves;
/** A pan's speed, in pixels per second at a 128-pixel frame, when the objects leave room for it. */
export const CAMERA_SPEED_PX_PER_S_AT_128: number = table.camera_speed_px_per_s_at_128;
/** A zoom ends at ZOOM_RANGE (close-up) or 1/ZOOM_RANGE (wide) when the room allows. */
export const ZOOM_RANGE: number = table.zoom_range;
/** Pixels a camera move keeps between every object's disc and the frame's edge. */
export const CAMERA_MARGIN: number = table.camera_margin;
/** The zooms a plan's camera may have (plan.py's ZOOM_LIMITS). */
export const ZOOM_LIMITS = table.zoom_limits as [number, number];
/** The scenes' soft shading (world/shading.py): plane waves summed, and their lengths in pixels at 128. */
export const SHADE_WAVES: number = table.shade_waves;
export const SHADE_WAVELENGTHS = table.shade_wavelengths as [number, number];
/** Pixels per latent cell, the autoencoder's spatial factor. */
export const LATENT_FACTOR: number = table.latent_factor;
