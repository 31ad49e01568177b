"""Write a stub model directory that follows docs/model-format.md exactly but
holds tiny random networks, not the real ones.

It lets the TypeScript pipeline (lib/pipeline/) be tested end to end -
manifest, hashes, golden parity, CFG batching, context frames, decode, mux -
without waiting for a trained export. The graphs have the contract's names,
dtypes, shapes and dynamic batch; what they compute is only meant to depend
on every input, so a mistake in feeding one shows up in the output.

    scripts/py scripts/make-stub-model.py [--planned | --camera] [OUT_DIR]

OUT_DIR defaults to tests/pipeline/fixtures/stub-model, the copy the vitest
suite runs on (small enough to commit: about 200 KB), with an int8 DiT
(model/spacetime/quantize.py) beside the fp32 one. --planned writes a
model that follows scene plans (docs/scene-plan.md) at 64x64, to
tests/pipeline/fixtures/stub-planned-model by default; its golden DiT case
feeds the raster of a plan the Python planner made, which the TypeScript
planner must reproduce. It reads the raster of a model trained before the
camera (no camera channels); --camera writes one that reads them all, to
tests/pipeline/fixtures/stub-camera-model, its golden plan filmed by a pan.

Both have model.json `outputs` (the 8-fps decoder and a 24-fps one at 2x, 6 frames per latent
frame) and `aspects` (square, and a landscape/portrait pair two patches longer), with dynamic
latent h/w in the DiT and decoder graphs; golden.json has a case for each decoder and a
second DiT case at the 16:9 latent. tests/pipeline/shapes.test.ts strips these fields to
check that an older directory still works.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch
from torch import nn

from spacetime.plan import (CAMERA_CHANNELS, LATENT_FACTOR, MAX_OBJECTS, PLAN_VERSION, RASTER_CHANNELS,
                            dit_raster_channels, make_plan, rasterize)
from spacetime.quantize import quantize_model_dir
from spacetime.tokenizer import Tokenizer
from spacetime.world.config import WorldConfig
from spacetime.world.parser import parse
from spacetime.world.sampler import MAX_SECONDS

C, F, h, w = 4, 5, 8, 8  # latent
T, FPS = 9, 8  # video: T = 1 + (F - 1) * 2; 32x32 (4x spatial), or 64x64 (8x) for the planned stub
L, D = 16, 32  # text


class TextEncoder(nn.Module):
    def __init__(self, vocab: int):
        super().__init__()
        self.emb = nn.Embedding(vocab, D)
        self.proj = nn.Linear(D, D)

    def forward(self, ids, mask):  # (B, L) int64, (B, L) bool -> (B, L, D)
        return torch.tanh(self.proj(self.emb(ids))) * mask[..., None].float()


class DiT(nn.Module):
    def __init__(self, plan_channels: int):
        super().__init__()
        self.mix = nn.Conv3d(C + 1, C, 1)
        self.text = nn.Linear(D, C)
        self.time = nn.Linear(1, C)
        self.plan = nn.Conv3d(plan_channels, C, 1)

    def forward(self, latent, timestep, text_states, text_mask, context, context_mask, plan=None):
        m = context_mask[:, None, :, None, None]  # (B, 1, F, 1, 1)
        x = latent * (1 - m) + context * m
        x = torch.cat([x, m.expand(-1, 1, -1, x.shape[3], x.shape[4])], 1)  # (B, C+1, F, h, w)
        tm = text_mask.float()[..., None]
        pooled = (text_states * tm).sum(1) / tm.sum(1).clamp(min=1)  # (B, D)
        bias = self.text(pooled) + self.time(timestep[:, None])  # (B, C)
        out = self.mix(x) + bias[:, :, None, None, None]
        return out if plan is None else out + self.plan(plan)  # (B, C, F, h, w)


class Decoder(nn.Module):
    """(1, C, F, h, w) -> (1, 1 + (F-1) r, up h, up w, 3): any h and w (the aspects)."""

    def __init__(self, up: int, r: int):
        super().__init__()
        self.up = up
        self.rgb = nn.Conv3d(C, 3, 1)
        # Latent frame 0 -> video frame 0, later latent frames -> r video frames each.
        self.register_buffer("frame_index", torch.tensor([0] + [1 + i // r for i in range((F - 1) * r)]))

    def forward(self, latent):  # (1, C, F, h, w) -> (1, T, H, W, 3) in [0, 1]
        x = torch.sigmoid(self.rgb(latent)).index_select(2, self.frame_index)  # (1, 3, T, h, w)
        x = nn.functional.interpolate(x, scale_factor=(1.0, float(self.up), float(self.up)), mode="nearest")
        return x.permute(0, 2, 3, 4, 1)


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def main(out: Path, planned: bool = False, camera: bool = False) -> None:
    # A plan-following stub reads the raster of a DiT trained before the camera, or all of it.
    channels = RASTER_CHANNELS if camera else dit_raster_channels(len(RASTER_CHANNELS) - len(CAMERA_CHANNELS))
    planned = planned or camera
    H = W = LATENT_FACTOR * h if planned else 32
    out.mkdir(parents=True, exist_ok=True)
    (out / "golden").mkdir(exist_ok=True)
    torch.manual_seed(0)
    tok = Tokenizer.from_world(max_length=L)
    tok.save(out / "tokenizer.json")
    k = H // h  # pixels per latent cell
    text, dit = TextEncoder(tok.vocab_size).eval(), DiT(len(channels)).eval()
    dec, dec24 = Decoder(k, 2).eval(), Decoder(2 * k, 6).eval()
    # The DiT's frame per aspect (multiples of k * patch): square, and a landscape/portrait pair.
    aspects = {"1:1": {"width": W, "height": H}, "16:9": {"width": W + 2 * k * 2, "height": H},
               "9:16": {"width": W, "height": H + 2 * k * 2}}

    ids, mask = tok(["a red ball in the sky", ""])
    lat = torch.randn(2, C, F, h, w)
    cm = torch.tensor([[1.0, 1.0, 0, 0, 0], [0, 0, 0, 0, 0]])
    with torch.no_grad():
        states = text(ids, mask)
    dit_inputs = {"latent": lat, "timestep": torch.tensor([0.7, 0.7]), "text_states": states, "text_mask": mask,
                  "context": torch.randn(2, C, F, h, w), "context_mask": cm}
    if planned:
        # Row 0 follows a plan of the Python planner's, row 1 has none (text alone).
        world = WorldConfig(frames=T, height=H, width=W, fps=FPS)
        prompt = GOLDEN_CAMERA_PROMPT if camera else GOLDEN_PLAN_PROMPT
        plan = make_plan(parse(prompt).spec, world, seed=GOLDEN_PLAN_SEED, background_seed=GOLDEN_PLAN_SEED)
        raster = torch.zeros(2, len(channels), F, h, w)
        raster[0] = torch.from_numpy(rasterize(plan, 0, T, H, W, channels))
        dit_inputs["plan"] = raster
    # Dynamic batch, and dynamic latent h/w (the aspects) on the DiT's and decoders' spatial tensors.
    spatial = {"latent", "context", "plan", "velocity"}
    dit_axes = {n: ({0: "B", 3: "h", 4: "w"} if n in spatial else {0: "B"}) for n in (*dit_inputs, "velocity")}
    dec_axes = {"latent": {3: "h", 4: "w"}, "video": {2: "H", 3: "W"}}
    wide = aspects["16:9"]["width"] // k  # a non-square DiT call: the landscape aspect's latent
    wide_inputs = dict(dit_inputs)
    for n in spatial & set(dit_inputs):
        t = dit_inputs[n]
        wide_inputs[n] = torch.cat([t, t[..., : wide - w]], -1)  # (B, *, F, h, wide)
    parts = {
        "text_encoder": (text, {"ids": ids, "mask": mask}, ["text_states"], {"ids": {0: "B"}, "mask": {0: "B"}, "text_states": {0: "B"}}, "text_encoder"),
        "dit": (dit, dit_inputs, ["velocity"], dit_axes, "dit"),
        "vae_decoder": (dec, {"latent": torch.randn(1, C, F, h, w)}, ["video"], dec_axes, "vae_decoder"),
        "vae_decoder_24": (dec24, {"latent": torch.randn(1, C, F, 1, 2)}, ["video"], dec_axes, "vae_decoder_24"),
        "dit_wide": (dit, wide_inputs, ["velocity"], dit_axes, None),  # golden only: the same graph at 16:9
    }
    cases = []
    for name, (net, inputs, outputs, axes, graph) in parts.items():
        if graph:
            torch.onnx.export(net, tuple(inputs.values()), str(out / f"{graph}.onnx"), input_names=list(inputs),
                              output_names=outputs, dynamic_axes=axes, opset_version=17)
        with torch.no_grad():
            result = net(*inputs.values())
        case = {"part": "dit" if name == "dit_wide" else name, "inputs": {}, "outputs": {}}
        for group, tensors in (("inputs", inputs), ("outputs", {outputs[0]: result})):
            for k, v in tensors.items():
                file = f"golden/{name}_{k}.bin"
                dtype = {torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}[v.dtype]
                (out / file).write_bytes(v.contiguous().numpy().tobytes())
                case[group][k] = {"file": file, "dtype": dtype, "shape": list(v.shape)}
        cases.append(case)
    golden = {"cases": cases, **({"plan": {"prompt": prompt, "seed": GOLDEN_PLAN_SEED}} if planned else {})}
    (out / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")

    files = {k: {"path": p, "sha256": sha256(out / p)} for k, p in (
        ("tokenizer", "tokenizer.json"), ("text_encoder", "text_encoder.onnx"), ("dit", "dit.onnx"),
        ("vae_decoder", "vae_decoder.onnx"), ("vae_decoder_24", "vae_decoder_24.onnx"), ("golden", "golden.json"))}
    manifest = {
        "format_version": 1,
        "model_id": f"stub-{files['dit']['sha256'][:8]}",
        "preset": "stub",
        "configs": {"vae": {}, "text_encoder": {}, "dit": {}},
        "video": {"frames": T, "height": H, "width": W, "fps": FPS},
        "latent": {"channels": C, "frames": F, "height": h, "width": w},
        "patch_size": [1, 2, 2],
        "text": {"max_length": L, "dim": D},
        "context_frames": {"max": 3},
        "scheduler": {"type": "flow-match-euler", "shift": 3.0},
        "defaults": {"steps": 4, "guidance": 4.0, "fps": 8, "aspect": "1:1"},  # 8: the older tests' clips
        "limits": {"steps": [1, 100], "guidance": [1.0, 20.0], "seed": [0, 4294967295], "prompt_chars": 500},
        "preview": {"latent_to_rgb": torch.randn(C, 3).mul(0.2).tolist(), "bias": [0.5, 0.5, 0.5]},
        "outputs": {"8": {"file": "vae_decoder", "scale": 1, "frames_per_latent": 2},
                    "24": {"file": "vae_decoder_24", "scale": 2, "frames_per_latent": 6}},
        "aspects": aspects,
        "files": files,
        "training": {"steps": 0},
        **({"plan": {"version": PLAN_VERSION, "channels": list(channels), "max_objects": MAX_OBJECTS,
                     "latent_factor": LATENT_FACTOR, "max_seconds": MAX_SECONDS}} if planned else {}),
    }
    (out / "model.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if not planned:
        # An int8 DiT beside the fp32 one (files.dit_int8), for the precision tests; the planned stub
        # stays without one, as a model directory written before int8 graphs.
        quantize_model_dir(out, ("dit",))
    print(f"wrote stub model {manifest['model_id']} to {out}")


FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "pipeline" / "fixtures"
# A prompt that says every attribute, so both planners lay out the same spec.
GOLDEN_PLAN_PROMPT = "a big red ball bouncing in the sky"
GOLDEN_PLAN_SEED = 7
GOLDEN_CAMERA_PROMPT = "a big red ball bouncing in the sky, the camera pans left"

if __name__ == "__main__":
    args = sys.argv[1:]
    planned, camera = "--planned" in args, "--camera" in args
    args = [a for a in args if a not in ("--planned", "--camera")]
    if len(args) > 1 or (planned and camera):
        sys.exit(__doc__)
    name = "stub-camera-model" if camera else "stub-planned-model" if planned else "stub-model"
    main(Path(args[0]) if args else FIXTURES / name, planned, camera)
