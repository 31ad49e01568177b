"""Write a stub model directory that follows docs/model-format.md exactly but
holds tiny random networks, not the real ones.

It lets the TypeScript pipeline (lib/pipeline/) be tested end to end -
manifest, hashes, golden parity, CFG batching, context frames, decode, mux -
without waiting for a trained export. The graphs have the contract's names,
dtypes, shapes and dynamic batch; what they compute is only meant to depend
on every input, so a mistake in feeding one shows up in the output.

    scripts/py scripts/make-stub-model.py [OUT_DIR]

OUT_DIR defaults to tests/pipeline/fixtures/stub-model, the copy the vitest
suite runs on (small enough to commit: about 200 KB).
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch
from torch import nn

from spacetime.tokenizer import Tokenizer

C, F, h, w = 4, 5, 8, 8  # latent
T, H, W, FPS = 9, 32, 32, 8  # video: T = 1 + (F - 1) * 2, 4x spatial
L, D = 16, 32  # text


class TextEncoder(nn.Module):
    def __init__(self, vocab: int):
        super().__init__()
        self.emb = nn.Embedding(vocab, D)
        self.proj = nn.Linear(D, D)

    def forward(self, ids, mask):  # (B, L) int64, (B, L) bool -> (B, L, D)
        return torch.tanh(self.proj(self.emb(ids))) * mask[..., None].float()


class DiT(nn.Module):
    def __init__(self):
        super().__init__()
        self.mix = nn.Conv3d(C + 1, C, 1)
        self.text = nn.Linear(D, C)
        self.time = nn.Linear(1, C)

    def forward(self, latent, timestep, text_states, text_mask, context, context_mask):
        m = context_mask[:, None, :, None, None]  # (B, 1, F, 1, 1)
        x = latent * (1 - m) + context * m
        x = torch.cat([x, m.expand(-1, 1, -1, x.shape[3], x.shape[4])], 1)  # (B, C+1, F, h, w)
        tm = text_mask.float()[..., None]
        pooled = (text_states * tm).sum(1) / tm.sum(1).clamp(min=1)  # (B, D)
        bias = self.text(pooled) + self.time(timestep[:, None])  # (B, C)
        return self.mix(x) + bias[:, :, None, None, None]


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.rgb = nn.Conv3d(C, 3, 1)
        # Latent frame 0 -> video frame 0, later latent frames -> 2 video frames each.
        self.register_buffer("frame_index", torch.tensor([0] + [1 + i // 2 for i in range(T - 1)]))

    def forward(self, latent):  # (1, C, F, h, w) -> (1, T, H, W, 3) in [0, 1]
        x = torch.sigmoid(self.rgb(latent)).index_select(2, self.frame_index)  # (1, 3, T, h, w)
        x = x.repeat_interleave(H // h, 3).repeat_interleave(W // w, 4)
        return x.permute(0, 2, 3, 4, 1)


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "golden").mkdir(exist_ok=True)
    torch.manual_seed(0)
    tok = Tokenizer.from_world(max_length=L)
    tok.save(out / "tokenizer.json")
    text, dit, dec = TextEncoder(tok.vocab_size).eval(), DiT().eval(), Decoder().eval()

    ids, mask = tok(["a red ball in the sky", ""])
    lat = torch.randn(2, C, F, h, w)
    cm = torch.tensor([[1.0, 1.0, 0, 0, 0], [0, 0, 0, 0, 0]])
    with torch.no_grad():
        states = text(ids, mask)
    parts = {
        "text_encoder": (text, {"ids": ids, "mask": mask}, ["text_states"], {"ids": {0: "B"}, "mask": {0: "B"}, "text_states": {0: "B"}}),
        "dit": (dit, {"latent": lat, "timestep": torch.tensor([0.7, 0.7]), "text_states": states, "text_mask": mask,
                      "context": torch.randn(2, C, F, h, w), "context_mask": cm},
                ["velocity"], {k: {0: "B"} for k in ("latent", "timestep", "text_states", "text_mask", "context", "context_mask", "velocity")}),
        "vae_decoder": (dec, {"latent": torch.randn(1, C, F, h, w)}, ["video"], {}),
    }
    cases = []
    for name, (net, inputs, outputs, axes) in parts.items():
        torch.onnx.export(net, tuple(inputs.values()), str(out / f"{name}.onnx"), input_names=list(inputs),
                          output_names=outputs, dynamic_axes=axes, opset_version=17)
        with torch.no_grad():
            result = net(*inputs.values())
        case = {"part": name, "inputs": {}, "outputs": {}}
        for group, tensors in (("inputs", inputs), ("outputs", {outputs[0]: result})):
            for k, v in tensors.items():
                file = f"golden/{name}_{k}.bin"
                dtype = {torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}[v.dtype]
                (out / file).write_bytes(v.contiguous().numpy().tobytes())
                case[group][k] = {"file": file, "dtype": dtype, "shape": list(v.shape)}
        cases.append(case)
    (out / "golden.json").write_text(json.dumps({"cases": cases}, indent=1) + "\n")

    files = {k: {"path": p, "sha256": sha256(out / p)} for k, p in (
        ("tokenizer", "tokenizer.json"), ("text_encoder", "text_encoder.onnx"), ("dit", "dit.onnx"),
        ("vae_decoder", "vae_decoder.onnx"), ("golden", "golden.json"))}
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
        "defaults": {"steps": 4, "guidance": 4.0},
        "limits": {"steps": [1, 100], "guidance": [1.0, 20.0], "seed": [0, 4294967295], "prompt_chars": 500},
        "preview": {"latent_to_rgb": torch.randn(C, 3).mul(0.2).tolist(), "bias": [0.5, 0.5, 0.5]},
        "files": files,
        "training": {"steps": 0},
    }
    (out / "model.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote stub model {manifest['model_id']} to {out}")


DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "pipeline" / "fixtures" / "stub-model"

if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]) if len(sys.argv) == 2 else DEFAULT_OUT)
