"""Recovers PyTorch weights from an exported model directory, so a model
shipped only as ONNX (models/dev) can be fine-tuned.

torch.onnx keeps a parameter's name when the graph uses it as it is, but
renames it when it is folded into another constant (Linear weights become
transposed `onnx::MatMul_*` initialisers; norm weights and the latent
statistics are reshaped). The mapping is recovered by exporting a twin of
the same architecture whose every parameter and buffer holds distinct random
values, then matching each of the twin's initialisers to the tensor it came
from, up to a transpose, a reshape, or the causal convolutions' taps set beside
their channels (frame_convs.py). The shipped graph was exported by the
same code, so its initialisers correspond name for name.
"""
from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn as nn

from .checkpoint import CHECKPOINT_FORMAT, flow_dict
from .export import DIT_INPUTS, DecoderGraph, DiTStepGraph, PlannedDiTStepGraph, TextEncoderGraph, _export
from .frame_convs import unstack_taps
from .nets.dit import DiTConfig
from .nets.text_encoder import TextEncoderConfig
from .nets.text_to_video import TextToVideo
from .nets.vae import VAEConfig, VideoAutoencoder
from .tokenizer import Tokenizer


def onnx_initialisers(path: str | Path) -> tuple[dict[str, np.ndarray], dict[tuple[str, int], str]]:
    """The graph's initialisers by name, and which initialiser each
    (node name, input slot) reads: node names survive re-export, while
    initialiser numbering shifts when equal constants are shared."""
    from onnx import numpy_helper

    from .half_weights import load_float_file

    graph = load_float_file(Path(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    # Equal constants are shared through Identity nodes: see through them.
    alias = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Identity" and n.input[0] in inits}
    readers = {(node.name, k): alias.get(name, name) for node in graph.node if node.output[0] not in alias
               for k, name in enumerate(node.input) if alias.get(name, name) in inits}
    return inits, readers


def _fingerprint(a: np.ndarray) -> tuple[int, float, float]:
    flat = a.astype(np.float64).ravel()
    return flat.size, round(float(flat.sum()), 3), round(float((flat * flat).sum()), 3)


@torch.no_grad()
def load_from_onnx(module: nn.Module, prefix: str, shipped: str | Path,
                   export: Callable[[nn.Module, Path], None]) -> list[str]:
    """Copies the weights of the graph `shipped` into `module`, whose state
    dict keys appear in that graph under `prefix`. `export(twin, path)` must
    export `twin` exactly as the shipped graph was exported. Returns the
    module's state keys the graph does not hold (non-persistent buffers and
    anything constant-folded beyond recognition); raises if a shipped
    initialiser matches nothing."""
    state = module.state_dict()
    twin = copy.deepcopy(module)
    g = torch.Generator().manual_seed(0)
    for t in twin.state_dict().values():
        if t.is_floating_point():
            t.copy_(torch.randn(t.shape, generator=g))  # distinct values everywhere
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "twin.onnx"
        export(twin, path)
        twin_inits, twin_readers = onnx_initialisers(path)
    sources: dict[tuple, tuple[str, bool]] = {}
    for key, t in twin.state_dict().items():
        a = t.numpy()
        sources[_fingerprint(a)] = (key, False)
    shipped_inits, shipped_readers = onnx_initialisers(shipped)
    if set(shipped_readers) != set(twin_readers):
        raise ValueError(f"{shipped} was exported from another architecture than this module")
    first_reader = {name: slot for slot, name in sorted(twin_readers.items(), reverse=True)}
    loaded: set[str] = set()
    for name, a in twin_inits.items():
        if not np.issubdtype(a.dtype, np.floating) or a.size < 2:
            continue  # shape constants and scalars
        key = name[len(prefix):] if name.startswith(prefix) else None
        if key not in state:
            hit = sources.get(_fingerprint(a))  # sum and sum of squares survive transposes and reshapes
            if hit is None:
                raise ValueError(f"initialiser {name} {a.shape} matches no parameter of the module")
            key = hit[0]
        target = state[key]
        value = torch.from_numpy(shipped_inits[shipped_readers[first_reader[name]]].copy())
        twin_value = twin.state_dict()[key]
        if value.numel() != target.numel():
            raise ValueError(f"{name} has {value.numel()} values, {key} has {target.numel()}")
        if torch.equal(torch.from_numpy(a).reshape(twin_value.shape), twin_value):
            target.copy_(value.reshape(target.shape))
        elif a.ndim == 2 and torch.equal(torch.from_numpy(a).T.reshape(twin_value.shape), twin_value):
            target.copy_(value.T.reshape(target.shape))
        elif a.ndim == 4 and twin_value.ndim == 5 and torch.equal(
                unstack_taps(torch.from_numpy(a), twin_value.shape), twin_value):
            target.copy_(unstack_taps(value, target.shape))  # a causal conv exported frame by frame
        else:
            raise ValueError(f"initialiser {name} is a rearranged {key} this importer does not undo")
        loaded.add(key)
    return sorted(set(state) - loaded)


def checkpoint_from_model_dir(model_dir: str | Path) -> dict:
    """A dit-stage checkpoint rebuilt from a model directory: text encoder,
    DiT and decoder from their graphs, the latent statistics from the
    decoder's. A model directory ships no encoder, so the checkpoint's
    encoder is freshly initialised and `"encoder_trained": False` says so;
    `train --stage vae --refit-encoder` trains one against the frozen decoder."""
    root = Path(model_dir)
    manifest = json.loads((root / "model.json").read_text())
    tok = Tokenizer.from_dict(json.loads((root / "tokenizer.json").read_text()))
    cfgs = manifest["configs"]
    model = TextToVideo(TextEncoderConfig(**cfgs["text"]), DiTConfig(**cfgs["dit"])).eval()
    torch.manual_seed(0)
    vae = VideoAutoencoder(VAEConfig(**cfgs["vae"])).eval()
    d, lat, L = cfgs["dit"], manifest["latent"], manifest["text"]["max_length"]
    B = 2

    def export_text(m: nn.Module, path: Path) -> None:
        ids, mask = torch.zeros(B, L, dtype=torch.long), torch.ones(B, L, dtype=torch.bool)
        ids[:, 0] = tok.cls_id
        _export(TextEncoderGraph(m), (ids, mask), path, ["ids", "mask"], ["text_states"], True)

    def export_dit(m: nn.Module, path: Path) -> None:
        shape = (B, lat["channels"], lat["frames"], lat["height"], lat["width"])
        args = (torch.randn(shape), torch.tensor([0.7] * B), torch.randn(B, L, d["text_dim"]),
                torch.ones(B, L, dtype=torch.bool), torch.randn(shape), torch.zeros(B, lat["frames"]))
        if d.get("plan_channels"):
            plan = torch.rand(B, d["plan_channels"], lat["frames"], lat["height"], lat["width"])
            _export(PlannedDiTStepGraph(m), args + (plan,), path, DIT_INPUTS + ["plan"], ["velocity"], True)
        else:
            _export(DiTStepGraph(m), args, path, DIT_INPUTS, ["velocity"], True)

    def export_decoder(m: nn.Module, path: Path) -> None:
        z = torch.randn(1, lat["channels"], lat["frames"], lat["height"], lat["width"])
        _export(DecoderGraph(m), (z,), path, ["latent"], ["video"], False)

    missing = {
        "text": load_from_onnx(model.text, "text.", root / manifest["files"]["text_encoder"]["path"], export_text),
        "dit": load_from_onnx(model.dit, "dit.", root / manifest["files"]["dit"]["path"], export_dit),
        "vae": load_from_onnx(vae, "vae.", root / manifest["files"]["vae_decoder"]["path"], export_decoder),
    }
    missing["vae"] = [k for k in missing["vae"] if not k.startswith("encoder.")]
    if any(missing.values()):
        raise ValueError(f"{root}: weights not found in the graphs: {missing}")
    state = {"t2v": model.state_dict(), "vae": vae.state_dict()}
    return {
        "format": CHECKPOINT_FORMAT,
        "stage": "dit",
        "preset": manifest["preset"],
        "configs": cfgs,
        "world": manifest["video"],
        "tokenizer": tok.to_dict(),
        "flow": flow_dict(manifest["scheduler"]["shift"]),
        "model": state,
        "ema": {k: {n: t.clone() for n, t in v.items()} for k, v in state.items()},
        "step": int(manifest.get("training", {}).get("steps", 0)),
        "args": {"imported_from": str(root), "model_id": manifest["model_id"]},
        "encoder_trained": False,
    }
