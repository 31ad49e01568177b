"""The nets on tiny seeded configs: shapes, causality, adaLN-Zero identity at
init, masks, and rebuilding from configs stored in a checkpoint."""
import dataclasses

import pytest
import numpy as np
import torch

from spacetime.checkpoint import CHECKPOINT_FORMAT, load_checkpoint, load_text_to_video, load_vae, save_checkpoint
from spacetime.nets.dit import DIT_PRESETS, DiT, DiTConfig, sincos_3d
from spacetime.nets.text_encoder import TEXT_PRESETS, TextEncoder, TextEncoderConfig
from spacetime.nets.vae import (VAE_PRESETS, NormalizedDecoder, VAEConfig, VideoAutoencoder, latent_frames,
                                psnr, tensor_to_video, video_to_tensor)
from spacetime.nets.text_to_video import PRESETS, TextToVideo
from spacetime.runtime import set_cpu_threads
from spacetime.tokenizer import Tokenizer

set_cpu_threads(1)  # also OpenBLAS's pool (see runtime.set_cpu_threads)

SMALL_VAE = VAEConfig(latent_channels=4, patch=4, channels=(8, 16), blocks=1, shortcut=True)
SMALL_TEXT = TextEncoderConfig(vocab_size=50, max_length=8, dim=32, depth=1, heads=2)
SMALL_DIT = DiTConfig(latent_channels=4, frames=3, height=4, width=4, patch=2, dim=32, depth=2, heads=2, text_dim=32)


def randomize(module: torch.nn.Module) -> torch.nn.Module:
    """Moves every weight off its init, so zero-initialised branches act."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.1)
    return module


def dit_inputs(cfg: DiTConfig, batch: int = 2):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, cfg.latent_channels, cfg.frames, cfg.height, cfg.width, generator=g)
    text = torch.randn(batch, 8, cfg.text_dim, generator=g)
    mask = torch.ones(batch, 8, dtype=torch.bool)
    mask[:, 5:] = False
    return x, torch.tensor([0.3, 0.9])[:batch], text, mask


# ----------------------------------------------------------------------------
# Autoencoder
# ----------------------------------------------------------------------------


def test_vae_shapes_and_frame_rule():
    torch.manual_seed(0)
    vae = VideoAutoencoder(SMALL_VAE).eval()
    x = torch.rand(1, 3, 5, 32, 32) * 2 - 1
    z = vae.encode(x)
    assert z.shape == (1, 4, 3, 4, 4)  # 5 frames -> 1 + 4/2, 32 px -> 4
    assert vae.decode(z).shape == x.shape
    plain = VideoAutoencoder(dataclasses.replace(SMALL_VAE, shortcut=False)).eval()
    assert plain.decode(plain.encode(x)).shape == x.shape
    assert latent_frames(17) == 9 and latent_frames(1) == 1
    with pytest.raises(ValueError, match="1 \\+ 2k"):
        latent_frames(16)
    with pytest.raises(ValueError, match="must be 8"):
        VAEConfig(patch=4, channels=(8, 16, 32))


def test_vae_encoder_is_causal():
    """Changing frame k leaves latents of earlier frames untouched; latent i
    covers frames 2i-1 and 2i, so the first changed latent is ceil(k/2)."""
    torch.manual_seed(0)
    vae = randomize(VideoAutoencoder(SMALL_VAE)).eval()
    x = torch.rand(1, 3, 9, 16, 16) * 2 - 1
    with torch.no_grad():
        z = vae.encode(x)
        for k in (1, 4, 7):
            y = x.clone()
            y[:, :, k] += 0.5
            dz = (vae.encode(y) - z).abs().amax(dim=(0, 1, 3, 4))  # per latent frame
            first = (k + 1) // 2
            assert dz[:first].max() == 0, f"frame {k} leaked into latents before {first}"
            assert dz[first] > 0


def test_vae_shortcut_carries_block_means():
    """With untrained convs silenced, a flat clip survives the round trip
    exactly: the shortcut alone carries each block's mean colour."""
    torch.manual_seed(0)
    vae = VideoAutoencoder(SMALL_VAE).eval()
    for conv in (vae.encoder.conv_out.conv, vae.decoder.conv_out.conv):
        torch.nn.init.zeros_(conv.weight)
        torch.nn.init.zeros_(conv.bias)
    x = torch.ones(1, 3, 5, 16, 16) * torch.tensor([0.2, -0.4, 0.9]).view(1, 3, 1, 1, 1)
    with torch.no_grad():
        assert torch.allclose(vae(x), x, atol=1e-6)


def test_vae_decoder_is_causal():
    torch.manual_seed(0)
    vae = randomize(VideoAutoencoder(SMALL_VAE)).eval()
    z = torch.randn(1, 4, 5, 2, 2)
    with torch.no_grad():
        x = vae.decode(z)
        z2 = z.clone()
        z2[:, :, 3] += 1.0
        dx = (vae.decode(z2) - x).abs().amax(dim=(0, 1, 3, 4))
    assert dx[:5].max() == 0  # latent 3 decodes to frames 5, 6
    assert dx[5] > 0


def test_normalized_decoder_and_pixel_helpers():
    torch.manual_seed(0)
    vae = VideoAutoencoder(SMALL_VAE).eval()
    vae.latent_std.fill_(2.0)
    z = torch.randn(1, 4, 2, 2, 2)
    with torch.no_grad():
        out = NormalizedDecoder(vae)(z)
        assert torch.allclose(out, ((vae.decode(z * 2) + 1) / 2).clamp(0, 1))
    video = torch.randint(0, 256, (2, 3, 8, 8, 3), dtype=torch.uint8)
    assert torch.equal(tensor_to_video(video_to_tensor(video)), video)
    assert psnr(video_to_tensor(video), video_to_tensor(video)).min() > 90


# ----------------------------------------------------------------------------
# Text encoder
# ----------------------------------------------------------------------------


def test_text_encoder_ignores_padding():
    torch.manual_seed(0)
    enc = TextEncoder(SMALL_TEXT).eval()
    ids = torch.tensor([[2, 5, 7, 0, 0, 0, 0, 0]])
    mask = ids != 0
    other = ids.clone()
    other[0, 4] = 9  # a different id at a padded position
    with torch.no_grad():
        a, b = enc(ids, mask), enc(other, mask)
    assert a.shape == (1, 8, 32)
    assert torch.allclose(a[:, :3], b[:, :3], atol=1e-6)


# ----------------------------------------------------------------------------
# DiT
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("attention", ["full", "factorized"])
def test_dit_output_is_zero_and_blocks_are_identity_at_init(attention):
    torch.manual_seed(0)
    cfg = dataclasses.replace(SMALL_DIT, attention=attention)
    dit = DiT(cfg).eval()
    x, t, text, mask = dit_inputs(cfg)
    with torch.no_grad():
        v = dit(x, t, text, mask)
        assert v.shape == x.shape and v.abs().max() == 0
        h = torch.randn(2, cfg.tokens, cfg.dim)
        t6 = dit.t_block(dit.t_embed(t)).reshape(-1, 6, cfg.dim)
        y = dit.text_proj(text)
        for block in dit.blocks:
            assert torch.equal(block(h, t6, y, mask), h)


@pytest.mark.parametrize("attention", ["full", "factorized"])
def test_dit_context_frames_and_text_mask(attention):
    torch.manual_seed(0)
    cfg = dataclasses.replace(SMALL_DIT, attention=attention)
    dit = randomize(DiT(cfg)).eval()
    x, t, text, mask = dit_inputs(cfg)
    context = torch.randn_like(x)
    cmask = torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    with torch.no_grad():
        v = dit(x, t, text, mask, context, cmask)
        # No velocity on given frames: an Euler step leaves them as they are.
        assert v[0, :, 0].abs().max() == 0 and v[1, :, :2].abs().max() == 0
        assert v[0, :, 1:].abs().min() > 0 or v[0, :, 1:].abs().max() > 0
        # The noisy input at a context frame is replaced by the clean one.
        x2 = x.clone()
        x2[:, :, 0] += 3.0
        assert torch.allclose(dit(x2, t, text, mask, context, cmask), v, atol=1e-5)
        # Text at masked positions is never read.
        text2 = text.clone()
        text2[:, 5:] += 10.0
        assert torch.allclose(dit(x, t, text2, mask, context, cmask), v, atol=1e-5)
        # ...while real text tokens matter.
        text3 = text.clone()
        text3[:, 1] += 1.0
        assert not torch.allclose(dit(x, t, text3, mask, context, cmask), v, atol=1e-5)


def test_dit_pooled_text_reaches_every_block_through_adaln():
    """With cross-attention silenced, the prompt still steers the output, and
    only through the [CLS] state (position 0)."""
    torch.manual_seed(0)
    cfg = dataclasses.replace(SMALL_DIT, pooled_text=True)
    dit = randomize(DiT(cfg)).eval()
    with torch.no_grad():
        for block in dit.blocks:
            block.cross.proj.weight.zero_()
            block.cross.proj.bias.zero_()
        x, t, text, mask = dit_inputs(cfg)
        v = dit(x, t, text, mask)
        other_token = text.clone()
        other_token[:, 1] += 1.0
        assert torch.allclose(dit(x, t, other_token, mask), v, atol=1e-6)
        cls_token = text.clone()
        cls_token[:, 0] += 1.0
        assert not torch.allclose(dit(x, t, cls_token, mask), v, atol=1e-3)


def test_pos_embed_distinct_positions():
    pos = sincos_3d(32, 3, 2, 2, torch.device("cpu"))
    assert pos.shape == (12, 32)
    assert torch.cdist(pos, pos).add(torch.eye(12) * 1e3).min() > 0.1


def test_pos_embed_is_mae_sincos():
    # MAE's 1D table per axis (sin half, cos half), y and x a quarter each, time the other half.
    def one_d(dim, pos):
        omega = 1.0 / 10000 ** (np.arange(dim // 2) / (dim / 2.0))
        out = np.outer(pos, omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)
    T, H, W, D = 3, 2, 5, 32
    gy, gx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    space = np.concatenate([one_d(D // 4, gy.reshape(-1)), one_d(D // 4, gx.reshape(-1))], axis=1)
    time = one_d(D // 2, np.arange(T))
    want = np.concatenate([np.broadcast_to(space[None], (T, H * W, D // 2)),
                           np.broadcast_to(time[:, None], (T, H * W, D // 2))], axis=-1).reshape(-1, D)
    got = sincos_3d(D, T, H, W, torch.device("cpu")).numpy()
    assert np.abs(got - want).max() < 1e-5


def test_dit_takes_any_latent_size():
    # One set of weights for every aspect: a landscape and a portrait latent.
    torch.manual_seed(0)
    cfg = DiTConfig(latent_channels=4, frames=3, height=8, width=8, patch=2, dim=32, depth=2, heads=2, text_dim=16,
                    attention="factorized")
    dit = DiT(cfg).eval()
    for block in dit.blocks:  # non-zero outputs, so the shapes are checked by real values
        torch.nn.init.normal_(block.ada_table, std=0.1)
    torch.nn.init.normal_(dit.final.linear.weight, std=0.1)
    torch.nn.init.normal_(dit.final.ada.weight, std=0.1)
    text, mask = torch.randn(1, 5, 16), torch.ones(1, 5, dtype=torch.bool)
    t = torch.tensor([0.5])
    for h, w in ((8, 8), (8, 14), (14, 8)):
        x = torch.randn(1, 4, 3, h, w)
        v = dit(x, t, text, mask)
        assert v.shape == x.shape and v.abs().sum() > 0


def test_presets_are_consistent():
    for name, cfg in DIT_PRESETS.items():
        assert cfg.dim % cfg.heads == 0 and cfg.dim % 8 == 0, name
    for name, cfg in TEXT_PRESETS.items():
        assert cfg.dim % cfg.heads == 0, name
    for name in PRESETS:
        names = PRESETS[name]
        assert names["vae"] in VAE_PRESETS and names["text"] in TEXT_PRESETS and names["dit"] in DIT_PRESETS
    with pytest.raises(ValueError, match="attention"):
        DiTConfig(attention="sparse")


def test_model_rebuilds_from_checkpoint_configs(tmp_path):
    """What the exporter does: rebuild every net from the configs inside the
    checkpoint and get the same outputs."""
    torch.manual_seed(0)
    tok = Tokenizer.from_world(max_length=8)
    text_cfg = dataclasses.replace(SMALL_TEXT, vocab_size=tok.vocab_size)
    model = randomize(TextToVideo(text_cfg, SMALL_DIT)).eval()
    vae = randomize(VideoAutoencoder(SMALL_VAE)).eval()
    ckpt = {
        "format": CHECKPOINT_FORMAT, "stage": "dit", "preset": "test",
        "configs": {"vae": SMALL_VAE.to_dict(), "text": text_cfg.to_dict(), "dit": SMALL_DIT.to_dict()},
        "tokenizer": tok.to_dict(),
        "model": {"t2v": model.state_dict(), "vae": vae.state_dict()},
        "ema": {"t2v": model.state_dict()},
    }
    path = tmp_path / "c.pt"
    save_checkpoint(path, ckpt)
    loaded = load_checkpoint(path)
    model2, tok2 = load_text_to_video(loaded)
    vae2 = load_vae(loaded)
    assert model2.dit.cfg == SMALL_DIT and vae2.cfg == SMALL_VAE and tok2.vocab == tok.vocab
    x, t, _, _ = dit_inputs(SMALL_DIT)
    ids, mask = tok(["a red ball in the sky", "two blue cubes"])
    with torch.no_grad():
        assert torch.equal(model(x, t, ids, mask), model2(x, t, ids, mask))
        z = torch.randn(1, 4, 2, 2, 2)
        assert torch.equal(vae.decode(z), vae2.decode(z))
    bad = tmp_path / "bad.pt"
    torch.save({"format": "something-else"}, bad)
    with pytest.raises(ValueError, match="not a spacetime-checkpoint"):
        load_checkpoint(bad)


# ----------------------------------------------------------------------------
# ONNX (opset 17): the graphs the app runs are valid. Output parity with
# PyTorch is checked on the TypeScript side with onnxruntime-node.
# ----------------------------------------------------------------------------


def export_and_check(module, args, inputs, outputs, dynamic=None):
    onnx = pytest.importorskip("onnx")
    import io

    buf = io.BytesIO()
    torch.onnx.export(module.eval(), args, buf, opset_version=17, input_names=inputs, output_names=outputs,
                      dynamic_axes=dynamic)
    model = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(model, full_check=True)
    return onnx.shape_inference.infer_shapes(model)


def test_onnx_export_of_decoder_dit_and_text_encoder():
    torch.manual_seed(0)
    vae = VideoAutoencoder(SMALL_VAE)
    m = export_and_check(NormalizedDecoder(vae), (torch.randn(1, 4, 3, 4, 4),), ["latent"], ["video"])
    dims = [d.dim_value for d in m.graph.output[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 5, 32, 32]
    for attention in ("full", "factorized"):
        cfg = dataclasses.replace(SMALL_DIT, attention=attention)
        x, t, text, mask = dit_inputs(cfg)
        names = ["latent", "timestep", "text", "text_mask", "context", "context_mask"]
        export_and_check(DiT(cfg), (x, t, text, mask, torch.zeros_like(x), torch.zeros(2, 3)), names, ["velocity"],
                         {n: {0: "batch"} for n in names + ["velocity"]})
    ids = torch.zeros(1, 8, dtype=torch.long)
    export_and_check(TextEncoder(SMALL_TEXT), (ids, ids == 0), ["ids", "mask"], ["states"])
