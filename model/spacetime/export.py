"""Exports a DiT checkpoint as the model directory the app runs
(docs/model-format.md is the contract):

    npm run export -- --checkpoint model/runs/tiny/last.pt --out models/dev

Three ONNX graphs (opset 17): the text encoder, one denoising step of the DiT
(dynamic batch, so guidance runs conditional and unconditional together), and
the autoencoder's decoder with the latent normalisation undone inside. Beside
them: tokenizer.json, golden tensors from PyTorch for parity tests, and
model.json with every file's SHA-256.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from .checkpoint import load_checkpoint, load_dit_checkpoint, load_finer, load_text_to_video, load_vae
from .frame_convs import frame_convs
from .nets.finer_decoder import FinerDecoder, floor
from .nets.vae import VideoAutoencoder, latent_frames, video_to_tensor
from .pipeline import DEFAULT_GUIDANCE
from .half_weights import store_half_file
from .quantize import file_sha256, quantize_model_dir
from .world.config import WorldConfig, aspect_sizes
from .world.render import render
from .world.parser import parse
from .world.sampler import MAX_SECONDS, sample
from .plan import CAMERA_CHANNELS, LATENT_FACTOR, MAX_OBJECTS, PLAN_VERSION, dit_raster_channels, make_plan, rasterize

FORMAT_VERSION = 1
OPSET = 17
GOLDEN_PROMPTS = ("a big red ball bouncing in the snow", "")
LIMITS = {"steps": [1, 100], "guidance": [1.0, 20.0], "seed": [0, 2**32 - 1], "prompt_chars": 500}
# The sampling defaults written to model.json (issue 17): 3 steps of the second-order solver with
# the int8 DiT, guided on every step. On the plan-following tiny DiT (eval:model, 144 held-out
# prompts, 24 fps) no dimension measured more than 0.02 below the 20-step fp32 Euler path it
# replaces, and some above (physics 0.293 -> 0.586, relation 0.759 -> 0.862); 4 steps in fp32,
# and 4, 6 or 8 Euler steps (at 8 fps) did as well, while guiding only the first 3 of 4 steps
# lost 0.03 on binding and colour. That path stays available (generate --steps 20 --scheduler
# flow-match-euler --precision fp32) and is what a manifest without these defaults gets.
SAMPLING = {"steps": 3, "scheduler": "flow-match-dpmpp-2m", "precision": "int8", "guidance_interval": [0.0, 1.0]}

# ----------------------------------------------------------------------------
# The graphs, with the contract's input and output names
# ----------------------------------------------------------------------------


class TextEncoderGraph(nn.Module):
    def __init__(self, text: nn.Module):
        super().__init__()
        self.text = text

    def forward(self, ids: Tensor, mask: Tensor) -> Tensor:
        return self.text(ids, mask)  # (B, L, D)


class DiTStepGraph(nn.Module):
    def __init__(self, dit: nn.Module):
        super().__init__()
        self.dit = dit

    def forward(self, latent: Tensor, timestep: Tensor, text_states: Tensor, text_mask: Tensor,
                context: Tensor, context_mask: Tensor) -> Tensor:
        return self.dit(latent, timestep, text_states, text_mask, context, context_mask)  # (B, C, F, h, w)


class PlannedDiTStepGraph(DiTStepGraph):
    """The step of a DiT that takes a scene plan raster (zeros = text alone)."""

    def forward(self, latent: Tensor, timestep: Tensor, text_states: Tensor, text_mask: Tensor,  # type: ignore[override]
                context: Tensor, context_mask: Tensor, plan: Tensor) -> Tensor:
        return self.dit(latent, timestep, text_states, text_mask, context, context_mask, plan)  # (B, C, F, h, w)


DIT_INPUTS = ["latent", "timestep", "text_states", "text_mask", "context", "context_mask"]


def to_rgb8(rgb: Tensor) -> Tensor:
    """Frames in [0, 1] (B, 3, T, H, W) -> uint8 (B, T, H, W, 3), rounded half up (the cast
    truncates a value >= 0). In the graph, because onnxruntime does it several times quicker
    than a loop in JavaScript over a clip's 9.6M values, and hands back a quarter of the bytes;
    cast before the transpose, which then moves a quarter of the bytes."""
    return (rgb * 255 + 0.5).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 4, 1)


class DecoderGraph(nn.Module):
    """Normalised latents -> frames (1, T, H, W, 3), uint8 RGB (its causal convolutions as
    2D ones: frame_convs.py)."""

    def __init__(self, vae: VideoAutoencoder):
        super().__init__()
        self.vae = frame_convs(vae)

    def forward(self, latent: Tensor) -> Tensor:
        x = self.vae.decode(self.vae.denormalize(latent))  # (1, 3, T, H, W) in ~[-1, 1]
        return to_rgb8((x.clamp(-1, 1) + 1) * 0.5)  # (1, T, H, W, 3)


class FinerDecoderGraph(nn.Module):
    """Normalised latents -> frames (1, T*, sH, sW, 3), uint8 RGB, at the finer decoder's size and fps."""

    def __init__(self, finer: FinerDecoder):
        super().__init__()
        self.finer = frame_convs(finer)

    def forward(self, latent: Tensor) -> Tensor:
        finer = self.finer
        if finer.head is not None:
            return to_rgb8(finer(latent))  # (1, T*, sH, sW, 3)
        # A trunk alone: the bytes' scale and rounding offset at the trunk's size, then the floor
        # (convex, so the values stay in [0.5, 255.5] and the cast needs no clamp at full size).
        x, _ = finer.trunk_pixels(latent)  # (1, 3, T, H, W) in [-1, 1]
        v = floor((x + 1) * 127.5 + 0.5, finer.cfg)  # (1, 3, T*, sH, sW)
        return v.to(torch.uint8).permute(0, 2, 3, 4, 1)  # (1, T*, sH, sW, 3)


# Latent-shaped tensors of the DiT and the decoders take any h and w (one per aspect).
SPATIAL = {"latent": (3, 4), "context": (3, 4), "plan": (3, 4), "velocity": (3, 4), "video": (2, 3)}


def _export(graph: nn.Module, args: tuple[Tensor, ...], path: Path, inputs: list[str], outputs: list[str],
            dynamic_batch: bool, dynamic_size: bool = False) -> None:
    axes: dict[str, dict[int, str]] = {name: {0: "batch"} for name in inputs + outputs} if dynamic_batch else {}
    if dynamic_size:
        for name in inputs + outputs:
            if name in SPATIAL:
                y, x = SPATIAL[name]
                axes.setdefault(name, {}).update({y: "height", x: "width"})
    torch.onnx.export(graph, args, str(path), opset_version=OPSET, input_names=inputs, output_names=outputs,
                      dynamic_axes=axes or None, do_constant_folding=True)


@torch.no_grad()
def round_to_half(net: Optional[nn.Module]) -> None:
    """Rounds every float parameter to the nearest fp16 value, so the graphs
    store half the bytes losslessly (half_weights.py) and the golden tensors
    come from the weights the graphs hold. The committed checkpoints are fp16
    already; a training run's fp32 weights move by at most 1 part in 2048."""
    for p in (net.parameters() if net is not None else ()):
        if p.is_floating_point():
            p.copy_(p.half().float())


# ----------------------------------------------------------------------------
# Golden tensors and the preview projection
# ----------------------------------------------------------------------------


def _write_tensor(root: Path, name: str, t: Tensor) -> dict:
    """Raw little-endian bytes, as TypeScript typed arrays read them."""
    arr = t.detach().cpu().numpy()
    dtype = {np.dtype("float32"): "float32", np.dtype("int64"): "int64", np.dtype("bool"): "bool",
             np.dtype("uint8"): "uint8"}[arr.dtype]
    rel = f"golden/{name}.bin"
    (root / rel).write_bytes(np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes())
    return {"file": rel, "dtype": dtype, "shape": list(arr.shape)}


@torch.no_grad()
def _preview_projection(vae: VideoAutoencoder, world: WorldConfig, clips: int = 16) -> dict:
    """Least-squares map from a normalised latent position to the RGB of the
    pixels it covers: a free preview of the clip forming while sampling."""
    samples = [sample(2 * 10**9 + i, "train", world) for i in range(clips)]
    video = render(samples, world)  # (B, T, H, W, 3)
    z = vae.normalize(vae.encode(video_to_tensor(video)))  # (B, C, F, h, w)
    B, C, F, h, w = z.shape
    frames = [0] + [min(2 * k, world.frames - 1) for k in range(1, F)]  # the frame each latent frame ends on
    rgb = video[:, frames].permute(0, 1, 4, 2, 3).float().div(255)  # (B, F, 3, H, W)
    rgb = nn.functional.adaptive_avg_pool2d(rgb.flatten(0, 1), (h, w)).reshape(B, F, 3, h, w)
    x = z.permute(0, 2, 3, 4, 1).reshape(-1, C).numpy()
    y = rgb.permute(0, 1, 3, 4, 2).reshape(-1, 3).numpy()
    a = np.concatenate([x, np.ones((len(x), 1), np.float32)], axis=1)
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    return {"latent_to_rgb": coef[:C].round(6).tolist(), "bias": coef[C].round(6).tolist()}


# ----------------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------------


@torch.no_grad()
def export(checkpoint: Path, out: Path, *, steps: int = 20, guidance: Optional[float] = None, ema: bool = True,
           decoder: Optional[Path] = None, int8: bool = False, sampling: Optional[dict] = None,
           finer: Optional[Path] = None) -> dict:
    """Writes the model directory to `out` (replacing it whole) and returns the
    manifest. `decoder`: a `--finetune-decoder` checkpoint whose decoder
    replaces the DiT checkpoint's. `finer`: a train_finer checkpoint of
    this autoencoder, written as the 24 fps decoder. `int8`: also write the int8 DiT
    (quantize.py). `sampling`: more defaults for model.json (SAMPLING's keys;
    the CLI passes SAMPLING), else the manifest's defaults are steps and
    guidance alone, which the pipeline reads as Euler, fp32, guidance on
    every step."""
    ckpt = load_dit_checkpoint(checkpoint, "export")
    # A guidance-distilled DiT (train.py --distill-guidance W) has its teacher's guidance built in:
    # its default is guidance 1, one DiT row per step.
    distilled = float((ckpt.get("args") or {}).get("distill_guidance") or 0.0)
    if guidance is None:
        guidance = 1.0 if distilled else DEFAULT_GUIDANCE
    if not (LIMITS["steps"][0] <= steps <= LIMITS["steps"][1]):
        raise ValueError(f"default steps must be in {LIMITS['steps']}, got {steps}")
    if not (LIMITS["guidance"][0] <= guidance <= LIMITS["guidance"][1]):
        raise ValueError(f"default guidance must be in {LIMITS['guidance']}, got {guidance}")
    if (sampling or {}).get("precision") == "int8" and not int8:
        raise ValueError("an int8 default precision needs the int8 DiT (int8=True; the CLI without --no-int8)")
    model, tok = load_text_to_video(ckpt, ema=ema)
    reads = dit_raster_channels(model.dit.cfg.plan_channels) if model.dit.cfg.plan_channels else ()
    if (sampling or {}).get("plan_guidance") == "camera" and CAMERA_CHANNELS[0] not in reads:
        raise ValueError("plan guidance \"camera\" needs a DiT that reads the camera's channels")
    vae = load_vae(ckpt, ema=ema)
    # The teacher checkpoint (as train.py was given it) is where the path before distillation comes from.
    teacher = {"distilled_guidance": distilled, "teacher": str(ckpt["args"]["teacher"])} if distilled else {}
    training = {"steps": int(ckpt["step"]), **teacher}
    if decoder is not None:
        tuned_ckpt = load_checkpoint(decoder)
        vae = swap_decoder(vae, load_vae(tuned_ckpt))
        training["decoder_finetune_steps"] = int(tuned_ckpt["step"])
    finer_decoder = None
    if finer is not None:
        finer_ckpt = load_checkpoint(finer)
        if finer_ckpt["stage"] != "finer":
            raise ValueError(f"--finer {finer} is a {finer_ckpt['stage']} checkpoint, not a train_finer one")
        finer_decoder = load_finer(finer_ckpt, vae)
        training["finer_steps"] = int(finer_ckpt["step"])
    for net in (model, vae, finer_decoder):
        round_to_half(net)
    world = WorldConfig(**ckpt["world"])
    dcfg = model.dit.cfg
    C, F, h, w = dcfg.latent_channels, dcfg.frames, dcfg.height, dcfg.width
    patch = dcfg.patch
    if F != latent_frames(world.frames):
        raise ValueError(f"checkpoint DiT has {F} latent frames but its world has {world.frames} frames")

    # Build in a temporary sibling, then swap in: a failed export never leaves
    # a half-written model directory where the app would load it.
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a model directory is meant to be read
    try:
        (tmp / "golden").mkdir()
        g = torch.Generator().manual_seed(1234)
        ids, mask = tok(list(GOLDEN_PROMPTS))
        planned = dcfg.plan_channels > 0
        text_graph, dec_graph = TextEncoderGraph(model.text), DecoderGraph(vae)
        dit_graph = PlannedDiTStepGraph(model.dit) if planned else DiTStepGraph(model.dit)
        text_states = text_graph(ids, mask)
        latent = torch.randn(2, C, F, h, w, generator=g)
        timestep = torch.tensor([0.7, 0.7])
        context = torch.randn(2, C, F, h, w, generator=g)
        context_mask = torch.zeros(2, F)
        context_mask[1, :2] = 1.0  # the second row extends two given latent frames
        dit_args = (latent, timestep, text_states, mask, context, context_mask)
        dit_inputs = list(DIT_INPUTS)
        if planned:
            # Row 0 follows the golden prompt's own plan, row 1 has none.
            golden_plan = make_plan(parse(GOLDEN_PROMPTS[0]).spec, world, seed=7, background_seed=7)
            plan = torch.zeros(2, dcfg.plan_channels, F, h, w)
            plan[0] = torch.from_numpy(rasterize(golden_plan, 0, world.frames, world.height, world.width,
                                                 dit_raster_channels(dcfg.plan_channels)))
            dit_args, dit_inputs = dit_args + (plan,), dit_inputs + ["plan"]
        velocity = dit_graph(*dit_args)
        # The same step at the 16:9 latent: the graph's height and width are dynamic.
        sizes = aspect_sizes(world, vae.cfg.spatial_factor * patch)
        wh, ww = (v // vae.cfg.spatial_factor for v in sizes["16:9"])
        wide_args = (torch.randn(2, C, F, wh, ww, generator=g), timestep, text_states, mask,
                     torch.randn(2, C, F, wh, ww, generator=g), context_mask,
                     *((torch.zeros(2, dcfg.plan_channels, F, wh, ww),) if planned else ()))
        wide_velocity = dit_graph(*wide_args)
        # Decoder goldens at a small landscape latent (4x6 cells), which keeps them 12x smaller than
        # a full clip; the graphs' height and width are dynamic, and parity there proves it.
        dec_latent = torch.randn(1, C, F, 4, 6, generator=g)
        video = dec_graph(dec_latent)

        _export(text_graph, (ids, mask), tmp / "text_encoder.onnx", ["ids", "mask"], ["text_states"], True)
        _export(dit_graph, dit_args, tmp / "dit.onnx", dit_inputs, ["velocity"], True, True)
        _export(dec_graph, (dec_latent,), tmp / "vae_decoder.onnx", ["latent"], ["video"], False, True)
        outputs = {str(world.fps): {"file": "vae_decoder", "scale": 1, "frames_per_latent": vae.cfg.temporal_factor}}
        finer_case = []
        if finer_decoder is not None:
            fcfg = finer_decoder.cfg
            fine_graph = FinerDecoderGraph(finer_decoder)
            fine_latent = torch.randn(1, C, F, 4, 6, generator=g)
            fine_video = fine_graph(fine_latent)
            _export(fine_graph, (fine_latent,), tmp / "vae_decoder_24.onnx", ["latent"], ["video"], False, True)
            outputs[str(world.fps * fcfg.time)] = {"file": "vae_decoder_24", "scale": fcfg.space,
                                                   "frames_per_latent": vae.cfg.temporal_factor * fcfg.time}
            finer_case = [{"part": "vae_decoder_24",
                           "inputs": {"latent": _write_tensor(tmp, "vae24_latent", fine_latent)},
                           "outputs": {"video": _write_tensor(tmp, "vae24_video", fine_video)}}]
        for graph_file in sorted(tmp.glob("*.onnx")):
            store_half_file(graph_file)
        tok.save(tmp / "tokenizer.json")

        cases = [
            {"part": "text_encoder",
             "inputs": {"ids": _write_tensor(tmp, "text_ids", ids), "mask": _write_tensor(tmp, "text_mask", mask)},
             "outputs": {"text_states": _write_tensor(tmp, "text_states", text_states)}},
            {"part": "dit",
             "inputs": {"latent": _write_tensor(tmp, "dit_latent", latent),
                        "timestep": _write_tensor(tmp, "dit_timestep", timestep),
                        "text_states": _write_tensor(tmp, "dit_text_states", text_states),
                        "text_mask": _write_tensor(tmp, "dit_text_mask", mask),
                        "context": _write_tensor(tmp, "dit_context", context),
                        "context_mask": _write_tensor(tmp, "dit_context_mask", context_mask),
                        **({"plan": _write_tensor(tmp, "dit_plan", dit_args[6])} if planned else {})},
             "outputs": {"velocity": _write_tensor(tmp, "dit_velocity", velocity)}},
            {"part": "dit",
             "inputs": {name: _write_tensor(tmp, f"dit_wide_{name}", t) for name, t in zip(dit_inputs, wide_args)},
             "outputs": {"velocity": _write_tensor(tmp, "dit_wide_velocity", wide_velocity)}},
            {"part": "vae_decoder",
             "inputs": {"latent": _write_tensor(tmp, "vae_latent", dec_latent)},
             "outputs": {"video": _write_tensor(tmp, "vae_video", video)}},
            *finer_case,
        ]
        (tmp / "golden.json").write_text(json.dumps({"prompts": list(GOLDEN_PROMPTS), "cases": cases}, indent=1) + "\n")

        files = {name: {"path": path, "sha256": file_sha256(tmp / path)} for name, path in (
            ("tokenizer", "tokenizer.json"), ("text_encoder", "text_encoder.onnx"), ("dit", "dit.onnx"),
            ("vae_decoder", "vae_decoder.onnx"), ("golden", "golden.json"),
            *((("vae_decoder_24", "vae_decoder_24.onnx"),) if finer_decoder is not None else ()))}
        weights_id = hashlib.sha256("".join(files[k]["sha256"] for k in (
            "tokenizer", "text_encoder", "dit", "vae_decoder", "vae_decoder_24") if k in files).encode()).hexdigest()[:8]
        manifest = {
            "format_version": FORMAT_VERSION,
            # Every weight file counts: a fine-tuned decoder makes another model.
            "model_id": f"spacetime-{ckpt['preset']}-{weights_id}",
            "preset": ckpt["preset"],
            "configs": ckpt["configs"],
            "video": dict(ckpt["world"]),
            "latent": {"channels": C, "frames": F, "height": h, "width": w},
            "patch_size": [1, patch, patch],
            "text": {"max_length": tok.max_length, "dim": model.text.cfg.dim},
            "context_frames": {"max": F - 1},
            "scheduler": {"type": "flow-match-euler", "shift": float(ckpt["flow"]["shift"])},
            "defaults": {**{k: v for k, v in (sampling or {}).items() if k != "precision"}, "steps": steps,
                         "guidance": guidance, "fps": max(int(k) for k in outputs), "aspect": "1:1"},
            "outputs": outputs,
            "aspects": {name: {"width": w_px, "height": h_px} for name, (h_px, w_px) in sizes.items()},
            "limits": LIMITS,
            "preview": _preview_projection(vae, world),
            **({"plan": {"version": PLAN_VERSION, "channels": list(dit_raster_channels(dcfg.plan_channels)), "max_objects": MAX_OBJECTS,
                         "latent_factor": LATENT_FACTOR, "max_seconds": MAX_SECONDS}} if planned else {}),
            "files": files,
            "training": {**training, **({"worldbench": ckpt["worldbench"]} if "worldbench" in ckpt else {})},
        }
        (tmp / "model.json").write_text(json.dumps(manifest, indent=1) + "\n")
        if int8:
            manifest = quantize_model_dir(tmp, ("dit",), default=(sampling or {}).get("precision"))
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def validate_manifest(model_dir: Path) -> dict:
    """Checks a model directory against its manifest: every file present with
    its hash, and the ONNX graphs well formed with the contract's names."""
    import onnx

    manifest = json.loads((model_dir / "model.json").read_text())
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"unsupported model format {manifest.get('format_version')!r}")
    for name, entry in manifest["files"].items():
        path = model_dir / entry["path"]
        if not path.exists():
            raise ValueError(f"{name}: {entry['path']} is missing")
        if file_sha256(path) != entry["sha256"]:
            raise ValueError(f"{name}: {entry['path']} does not match its SHA-256 (corrupt or replaced)")
    expected = {
        "text_encoder": (["ids", "mask"], ["text_states"]),
        "dit": (DIT_INPUTS + (["plan"] if "plan" in manifest else []), ["velocity"]),
        "vae_decoder": (["latent"], ["video"]),
    }
    if "vae_decoder_24" in manifest["files"]:
        expected["vae_decoder_24"] = expected["vae_decoder"]
    if "dit_int8" in manifest["files"]:
        expected["dit_int8"] = expected["dit"]
    for part, (inputs, outputs) in expected.items():
        graph = onnx.load(str(model_dir / manifest["files"][part]["path"]))
        onnx.checker.check_model(graph)
        if graph.opset_import[0].version != OPSET:
            raise ValueError(f"{part}: opset {graph.opset_import[0].version}, expected {OPSET}")
        got_in = [i.name for i in graph.graph.input]
        got_out = [o.name for o in graph.graph.output]
        if got_in != inputs or got_out != outputs:
            raise ValueError(f"{part}: inputs {got_in} outputs {got_out}, expected {inputs} {outputs}")
    return manifest


def swap_decoder(vae: VideoAutoencoder, tuned: VideoAutoencoder) -> VideoAutoencoder:
    """`tuned` in place of `vae`, refused unless the two differ in decoder
    weights alone: the encoder and latent statistics define the latent space
    the DiT was trained in."""
    if tuned.cfg != vae.cfg:
        raise ValueError(f"--decoder's autoencoder config {tuned.cfg} differs from the checkpoint's {vae.cfg}")
    ours, theirs = vae.state_dict(), tuned.state_dict()
    for name, value in ours.items():
        if not name.startswith("decoder.") and not torch.equal(value, theirs[name]):
            raise ValueError(f"--decoder's autoencoder differs from the checkpoint's in {name}: "
                             "it was not fine-tuned (--finetune-decoder) from this checkpoint's autoencoder")
    return tuned


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="npm run export --", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, type=Path, help="a dit-stage checkpoint (train.py's last.pt)")
    p.add_argument("--out", required=True, type=Path, help="model directory to write (replaced whole)")
    p.add_argument("--steps", type=int, default=SAMPLING["steps"], help="default sampling steps written to the manifest")
    p.add_argument("--scheduler", default=SAMPLING["scheduler"], help="default solver written to the manifest")
    p.add_argument("--guidance-interval", default=",".join(map(str, SAMPLING["guidance_interval"])),
                   help="LO,HI: the timesteps t that get guidance by default (0,1: every step)")
    p.add_argument("--guidance", type=float, default=None,
                   help=f"default guidance written to the manifest; default {DEFAULT_GUIDANCE} (the PyTorch "
                        "sampler's, measured best), 1 for a guidance-distilled checkpoint")
    p.add_argument("--plan-guidance", choices=("off", "camera", "all"), default="off",
                   help="what guidance's unconditional row lacks of the plan by default (docs/model-format.md)")
    p.add_argument("--no-ema", action="store_true", help="export the raw weights instead of the EMA")
    p.add_argument("--precision", choices=("fp32", "int8"), default=SAMPLING["precision"], help="default DiT precision")
    p.add_argument("--no-int8", action="store_true", help="write no int8 DiT (then the precision must be fp32)")
    p.add_argument("--decoder", type=Path,
                   help="a train.py --finetune-decoder checkpoint: ship its decoder instead of the checkpoint's")
    p.add_argument("--finer", type=Path,
                   help="a spacetime.train_finer checkpoint of this autoencoder: ship it as the 24 fps decoder")
    args = p.parse_args(argv)
    for path in (args.checkpoint, args.decoder, args.finer):
        if path is not None and not path.exists():
            print(f"export: no checkpoint at {path}", file=sys.stderr)
            return 2
    try:
        manifest = export(args.checkpoint, args.out, steps=args.steps, guidance=args.guidance, ema=not args.no_ema,
                          decoder=args.decoder, int8=not args.no_int8, finer=args.finer,
                          sampling={**SAMPLING, "scheduler": args.scheduler,
                                    "guidance_interval": [float(x) for x in args.guidance_interval.split(",")],
                                    "precision": args.precision,
                                    **({"plan_guidance": args.plan_guidance} if args.plan_guidance != "off" else {})})
        validate_manifest(args.out)
    except ValueError as err:
        print(f"export: {err}", file=sys.stderr)
        return 2
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"exported {manifest['model_id']} to {args.out} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
