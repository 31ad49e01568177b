"""Checkpoints: the training .pt files, and the loaders that rebuild nets from them.

A checkpoint is one torch.save'd dict of plain values and tensors:

    format      CHECKPOINT_FORMAT
    stage       "vae", "dit" or "finer" (train_finer.py: {"finer": head} and the fingerprint
                of the autoencoder it extends, `vae_fingerprint`)
    preset      the model preset it was trained from (nets.text_to_video.PRESETS)
    configs     {"vae": ..., "text": ..., "dit": ...}: the config of every net it holds
    world       the clip geometry: frames, height, width, fps
    tokenizer   the tokenizer's vocabulary
    flow        the rectified-flow settings, shift included
    model, ema  {"vae": state} or {"t2v": state, "vae": state}: raw and averaged weights
                (a DiT checkpoint carries its frozen autoencoder under "model" only)
    optimizer, step, args
                what training needs to resume
    slim        True in a committed copy (slim_checkpoint): EMA weights in fp16, no optimizer
    autoencoder_from, vae_fingerprint
                a slim DiT checkpoint may leave its autoencoder out and name the checkpoint
                beside it that holds it (a path relative to its own folder), with the
                autoencoder's fingerprint; load_checkpoint puts it back
    weights_from, weights_fingerprint, ema_delta
                a slim fine-tune may store its EMA as the int8 difference from the
                checkpoint it was fine-tuned from (named like autoencoder_from):
                ema_delta[net][name] = (int8 steps, fp32 step per row); a tensor whose
                shape changed (a widened plan input) stays whole in "ema"

so the sampler, the exporter and the evaluations rebuild everything from the
file alone, as nanoGPT's sampler does. Inference imports this module, never
train.py.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch

from .nets.dit import DiTConfig
from .nets.finer_decoder import FinerConfig, FinerDecoder
from .nets.text_encoder import TextEncoderConfig
from .nets.text_to_video import TextToVideo
from .nets.vae import VAEConfig, VideoAutoencoder
from .tokenizer import Tokenizer
from .world.config import WorldConfig

CHECKPOINT_FORMAT = "spacetime-checkpoint/1"


def world_dict(cfg: WorldConfig) -> dict:
    return {"frames": cfg.frames, "height": cfg.height, "width": cfg.width, "fps": cfg.fps}


def flow_dict(shift: float, logit_mean: float = 0.0, logit_std: float = 1.0) -> dict:
    """The checkpoint's "flow" entry: the DiT predicts the rectified-flow
    velocity; `shift` is the timestep shift sampling must use too."""
    return {"type": "rectified-flow", "prediction": "velocity", "shift": shift,
            "logit_mean": logit_mean, "logit_std": logit_std}


def save_checkpoint(path: Path, ckpt: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(ckpt, tmp)
    os.replace(tmp, path)  # never leave a half-written checkpoint behind


def load_checkpoint(path: str | Path) -> dict:
    # weights_only=False: torch >= 2.6 defaults to True, and a checkpoint
    # carries plain configs and arguments beside its tensors.
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a {CHECKPOINT_FORMAT} file (format={ckpt.get('format')!r})")
    if "autoencoder_from" in ckpt:
        attach_autoencoder(ckpt, Path(path).parent / ckpt["autoencoder_from"])
    if "weights_from" in ckpt:
        apply_weight_delta(ckpt, Path(path).parent / ckpt["weights_from"])
    return ckpt


def attach_autoencoder(ckpt: dict, source_path: Path) -> None:
    """Puts back the autoencoder a slim DiT checkpoint left out, from the
    checkpoint it names, refused unless it is the one the DiT was trained on."""
    if not source_path.exists():
        raise ValueError(f"the checkpoint's autoencoder is in {source_path}, which does not exist")
    source = load_checkpoint(source_path)
    weights = source["ema"].get("vae") or source["model"].get("vae")
    if weights is None:
        raise ValueError(f"{source_path} holds no autoencoder")
    if state_fingerprint(weights) != ckpt.get("vae_fingerprint"):
        raise ValueError(f"the autoencoder in {source_path} is not the one this DiT was trained on "
                         "(its fingerprint differs)")
    ckpt["configs"]["vae"] = source["configs"]["vae"]
    ckpt["model"]["vae"] = weights


def apply_weight_delta(ckpt: dict, source_path: Path) -> None:
    """Rebuilds the EMA a delta checkpoint stores as int8 steps from the
    checkpoint it names, refused unless that one's EMA is the one it was
    measured against."""
    if not source_path.exists():
        raise ValueError(f"the checkpoint's weights are a difference from {source_path}, which does not exist")
    source = load_checkpoint(source_path)
    if ema_fingerprint(source["ema"], ckpt["ema_delta"]) != ckpt.get("weights_fingerprint"):
        raise ValueError(f"the weights in {source_path} are not the ones this checkpoint is a difference from "
                         "(their fingerprint differs)")
    for net, deltas in ckpt.pop("ema_delta").items():
        for name, (steps, step) in deltas.items():
            base = source["ema"][net][name].float()
            ckpt["ema"][net][name] = (base + steps.float() * step.reshape(-1, *[1] * (base.dim() - 1))).half()


def ema_fingerprint(ema: dict, deltas: dict) -> str:
    """state_fingerprint over the EMA tensors a delta checkpoint builds on."""
    return state_fingerprint({f"{net}.{name}": ema[net][name] for net, d in deltas.items() for name in d})


def int8_delta(value: torch.Tensor, base: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """value - base as int8 steps of one step per row (per output
    channel): a fine-tune moves each row by a small amount, so 1/127 of its
    largest move is far below the fp16 rounding of the weight itself."""
    diff = value.float() - base.float()
    rows = diff.reshape(diff.shape[0], -1)
    step = (rows.abs().amax(dim=1) / 127).clamp_min(1e-12)
    steps = torch.round(rows / step[:, None]).clamp(-127, 127).to(torch.int8)
    return steps.reshape(diff.shape), step


def delta_checkpoint(slim: dict, source: dict, weights_from: str) -> dict:
    """A slim checkpoint whose large EMA tensors are stored as int8
    differences from `source` (the checkpoint it was fine-tuned from, beside
    the delta file as `weights_from`), at about half the slim size."""
    out = {**slim, "ema": {}, "ema_delta": {}}
    for net, state in slim["ema"].items():
        base = source["ema"].get(net, {})
        out["ema"][net], out["ema_delta"][net] = {}, {}
        for name, value in state.items():
            if value.dtype == torch.float16 and name in base and base[name].shape == value.shape:
                out["ema_delta"][net][name] = int8_delta(value, base[name])
            else:
                out["ema"][net][name] = value
    out["weights_fingerprint"] = ema_fingerprint(source["ema"], out["ema_delta"])
    out["weights_from"] = weights_from
    return out


def slim_checkpoint(ckpt: dict, autoencoder_from: str | None = None) -> dict:
    """The copy of a checkpoint that is committed or brought back from a GPU:
    EMA weights in fp16 (large tensors only: norms and latent statistics stay
    exact), no optimizer; enough to export, evaluate and fine-tune from, not to
    resume exactly. With `autoencoder_from` (relative to the slim file's
    folder), a DiT checkpoint leaves its frozen autoencoder out and names the
    checkpoint that holds it."""
    def half(sd: dict) -> dict:
        return {k: v.half() if v.is_floating_point() and v.numel() > 4096 else v for k, v in sd.items()}

    out = {k: v for k, v in ckpt.items() if k not in ("model", "ema", "optimizer")}
    out["ema"] = {k: half(v) for k, v in ckpt["ema"].items()}
    # The frozen autoencoder of a DiT checkpoint lives under "model" only.
    out["model"] = {k: half(v) for k, v in ckpt["model"].items() if k not in ckpt["ema"]}
    if autoencoder_from is not None:
        if ckpt["stage"] != "dit":
            raise ValueError(f"only a DiT checkpoint can leave its autoencoder out (this is a {ckpt['stage']} one)")
        out["vae_fingerprint"] = state_fingerprint(out["model"].pop("vae"))
        out["autoencoder_from"] = autoencoder_from
    out["slim"] = True
    return out


def load_dit_checkpoint(path: str | Path, purpose: str) -> dict:
    """load_checkpoint, refusing an autoencoder checkpoint: `purpose` (e.g.
    "sampling") says what needs the DiT."""
    ckpt = load_checkpoint(path)
    if ckpt["stage"] != "dit":
        raise ValueError(f"{path} is a {ckpt['stage']} checkpoint; {purpose} needs a dit checkpoint")
    return ckpt


def load_vae(ckpt: dict, ema: bool = True) -> VideoAutoencoder:
    vae = VideoAutoencoder(VAEConfig(**ckpt["configs"]["vae"]))
    weights = ckpt["ema"]["vae"] if ema and "vae" in ckpt.get("ema", {}) else ckpt["model"]["vae"]
    vae.load_state_dict(weights)
    return vae.eval().requires_grad_(False)


def load_text_to_video(ckpt: dict, ema: bool = True) -> tuple[TextToVideo, Tokenizer]:
    """Rebuilds text encoder + DiT from the configs stored in a DiT checkpoint."""
    model = TextToVideo(TextEncoderConfig(**ckpt["configs"]["text"]), DiTConfig(**ckpt["configs"]["dit"]))
    model.load_state_dict(ckpt["ema"]["t2v"] if ema else ckpt["model"]["t2v"])
    return model.eval().requires_grad_(False), Tokenizer.from_dict(ckpt["tokenizer"])


def vae_fingerprint(vae: VideoAutoencoder) -> str:
    return state_fingerprint(vae.state_dict())


def state_fingerprint(state: dict) -> str:
    """A hash of an autoencoder's weights as fp16 values, so an fp32 run and
    its slim (fp16) copy give the same fingerprint."""
    h = hashlib.sha256()
    for name, value in sorted(state.items()):
        h.update(name.encode())
        h.update(value.detach().cpu().half().numpy().tobytes())
    return h.hexdigest()[:16]


def check_finer_vae(ckpt: dict, vae: VideoAutoencoder) -> None:
    """Refuses a finer checkpoint unless `vae` is the autoencoder it was trained
    on (its floor and features)."""
    theirs = ckpt.get("vae_fingerprint")
    if theirs != vae_fingerprint(vae):
        raise ValueError("the finer decoder was trained on another autoencoder (its fingerprint differs)")


def load_finer(ckpt: dict, vae: VideoAutoencoder, ema: bool = True) -> FinerDecoder:
    """The finer decoder of a train_finer checkpoint on top of `vae`, refused
    unless `vae` is the autoencoder it was trained on."""
    check_finer_vae(ckpt, vae)
    finer = FinerDecoder(vae, FinerConfig(**ckpt["configs"]["finer"]))
    finer.load_state_dict({**{f"vae.{k}": v for k, v in vae.state_dict().items()},
                           **(ckpt["ema"]["finer"] if ema else ckpt["model"]["finer"])})
    return finer.eval().requires_grad_(False)
