"""The finer decoder: the world renders the same clip finer, an untrained
head is exactly the floor (bilinear + frame blending), every output frame
depends only on latents up to its own, and training beats the floor."""
import json

import pytest
import torch
import torch.nn.functional as F

from spacetime import eval_vae, train, train_finer
from spacetime.checkpoint import load_checkpoint, load_finer, load_vae
from spacetime.nets.finer_decoder import FinerConfig, FinerDecoder, finer_frames, floor, split_frames
from spacetime.nets.vae import VAE_PRESETS, VideoAutoencoder
from spacetime.world.config import WorldConfig, aspect_sizes
from spacetime.world.render import render
from spacetime.world.sampler import finer_config, sample, sample_finer

SMALL = ["--preset", "tiny", "--frames", "5", "--height", "64", "--width", "64", "--threads", "1",
         "--batch", "2", "--log-every", "1", "--save-every", "1000"]


@pytest.mark.parametrize("size", [(128, 128), (128, 224), (224, 128)])
def test_the_world_renders_the_same_clip_finer(size):
    cfg = WorldConfig(height=size[0], width=size[1])
    fine_cfg = finer_config(cfg, 2, 3)
    assert (fine_cfg.frames, fine_cfg.height, fine_cfg.width, fine_cfg.fps) == (49, 2 * size[0], 2 * size[1], 24)
    seeds = range(6)
    base = [sample(s, "train", cfg, long_clips=0.5) for s in seeds]
    fine = [sample_finer(s, "train", cfg, long_clips=0.5) for s in seeds]
    for b, f in zip(base, fine):  # every third fine frame is a base frame, at twice the coordinates
        for tb, tf in zip(b.tracks, f.tracks):
            assert len(tf.x) == 49
            assert torch.allclose(torch.tensor(tf.x[::3]), 2 * torch.tensor(tb.x), atol=1e-9)
            assert torch.allclose(torch.tensor(tf.y[::3]), 2 * torch.tensor(tb.y), atol=1e-9)
    x = render(base, cfg).float()
    y = render(fine, fine_cfg)[:, ::3].float()  # (B, T, 2H, 2W, 3)
    B, T, H, W, _ = y.shape
    down = F.avg_pool2d(y.permute(0, 1, 4, 2, 3).reshape(B * T, 3, H, W), 2).reshape(B, T, 3, H // 2, W // 2)
    mse = (down.permute(0, 1, 3, 4, 2) - x).pow(2).flatten(1).mean(1)
    assert (10 * torch.log10(255**2 / mse)).min() > 32  # sea waves and field blades alias a little at 128 px


def test_aspect_sizes_fit_the_patch_grid():
    sizes = aspect_sizes(WorldConfig(), 16)
    assert sizes == {"1:1": (128, 128), "16:9": (128, 224), "9:16": (224, 128)}
    with pytest.raises(ValueError, match="multiple"):
        aspect_sizes(WorldConfig(height=72, width=72), 16)


def test_split_frames_keeps_the_frames_and_blends_between():
    x = torch.arange(4.0).reshape(1, 1, 4, 1, 1)
    y = split_frames(x, 3).flatten().tolist()
    assert y == pytest.approx([0, 1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2, 7 / 3, 8 / 3, 3])


def tiny_vae() -> VideoAutoencoder:
    torch.manual_seed(0)
    return VideoAutoencoder(VAE_PRESETS["tiny"]).eval()


def test_an_untrained_head_is_the_floor_and_the_shapes_follow_the_config():
    vae = tiny_vae()
    finer = FinerDecoder(vae, FinerConfig()).eval()
    z = torch.randn(1, 16, 3, 4, 6)  # a landscape latent: 5 frames of 32x48
    with torch.no_grad():
        out = finer.decode(z)
        x = vae.decode(vae.denormalize(z))
    assert out.shape == (1, 3, finer_frames(5, 3), 64, 96)
    assert torch.equal(out, floor(x.clamp(-1, 1), finer.cfg))


def test_a_decoder_without_a_head_is_its_trunk_upscaled_and_blended():
    vae = tiny_vae()
    finer = FinerDecoder(vae, FinerConfig(tune_trunk=True, head=False)).eval()
    assert finer.head is None and not any(k.startswith("head.") for k in finer.trainable())
    z = torch.randn(1, 16, 3, 4, 4)
    with torch.no_grad():
        raw = vae.denormalize(z)
        x = finer.trunk.to_pixels(finer.trunk.features(raw), raw)
        assert torch.equal(finer.decode(z), floor(x.clamp(-1, 1), finer.cfg))
    with pytest.raises(ValueError, match="nothing to train"):
        FinerConfig(head=False)


def test_every_output_frame_depends_only_on_latents_up_to_its_own():
    vae = tiny_vae()
    finer = FinerDecoder(vae, FinerConfig()).eval()
    for p in finer.head.parameters():  # a head that does something
        torch.nn.init.normal_(p, std=0.05)
    z = torch.randn(1, 16, 3, 4, 4)
    z2 = z.clone()
    z2[:, :, 2] += 1.0  # the last latent frame: frames 3-4 of the clip, frames 7-12 at 3x
    with torch.no_grad():
        a, b = finer.decode(z), finer.decode(z2)
    assert torch.equal(a[:, :, :7], b[:, :, :7])
    assert not torch.allclose(a[:, :, 7:], b[:, :, 7:])


def test_training_beats_the_floor_and_the_checkpoint_loads(tmp_path, capsys):
    train.main(["--stage", "vae", "--out", str(tmp_path / "vae"), "--steps", "30", "--warmup", "5", *SMALL])
    source = tmp_path / "vae" / "last.pt"
    run = tmp_path / "finer"
    train_finer.main(["--checkpoint", str(source), "--out", str(run), "--steps", "40", "--warmup", "5",
                      "--pool", "6", "--crop", "4", "--batch", "2", "--threads", "1", "--log-every", "5",
                      "--eval-clips", "2", "--lr", "3e-3"])
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    steps = [r for r in log if "loss" in r]
    assert steps[-1]["loss"] < steps[-1]["floor_loss"]
    final = [r for r in log if r.get("event") == "eval"][-1]
    assert final["psnr"] > final["floor_psnr"] and final["ssim"] > 0
    ckpt = load_checkpoint(run / "last.pt")
    assert ckpt["stage"] == "finer" and ckpt["step"] == 40
    finer = load_finer(ckpt, load_vae(load_checkpoint(source)))
    assert finer.cfg == FinerConfig(**ckpt["configs"]["finer"])
    with pytest.raises(ValueError, match="another autoencoder"):
        load_finer(ckpt, tiny_vae())
    capsys.readouterr()
    assert "vae" not in ckpt["model"]  # a fingerprint, not a second copy of the autoencoder
    assert eval_vae.main(["--checkpoint", str(run / "last.pt"), "--vae", str(source), "--clips", "2",
                          "--aspects", "1:1,16:9"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "1:1 at 128x128 24 fps" in lines[0] and "16:9 at 224x128 24 fps" in lines[1]
    assert all("bilinear + blend PSNR" in line for line in lines)
    assert eval_vae.main(["--checkpoint", str(run / "last.pt"), "--vae", str(source), "--clips", "2",
                          "--aspects", "4:3"]) == 2

    # The committed form: fp16 EMA only, no optimizer; training resumes from it, and refuses it on
    # another autoencoder.
    slim = {k: v for k, v in ckpt.items() if k not in ("model", "ema", "optimizer")}
    slim.update(model={}, ema={"finer": {k: v.half() for k, v in ckpt["ema"]["finer"].items()}}, slim=True)
    torch.save(slim, tmp_path / "slim.pt")
    assert train_finer.main(["--checkpoint", str(source), "--out", str(tmp_path / "more"), "--steps", "42",
                             "--pool", "2", "--crop", "4", "--batch", "1", "--threads", "1", "--eval-clips", "2",
                             "--resume", str(tmp_path / "slim.pt")]) == 0
    assert load_checkpoint(tmp_path / "more" / "last.pt")["step"] == 42
    # A new preset started from this run's trunk (--init): the trunk alone, no head, where the
    # trunk was (lr 0 keeps it there, so the EMA is the init's trunk exactly).
    assert train_finer.main(["--checkpoint", str(source), "--out", str(tmp_path / "trunk"), "--steps", "2",
                             "--pool", "2", "--crop", "4", "--batch", "1", "--threads", "1", "--eval-clips", "2",
                             "--preset", "trunk", "--lr", "0", "--init", str(run / "last.pt")]) == 0
    trunk = load_checkpoint(tmp_path / "trunk" / "last.pt")
    assert trunk["preset"] == "trunk" and trunk["configs"]["finer"]["head"] is False
    assert not any(k.startswith("head.") for k in trunk["ema"]["finer"])
    for k, v in trunk["ema"]["finer"].items():
        assert torch.equal(v, ckpt["ema"]["finer"][k]), k
    with pytest.raises(SystemExit):  # --init and --resume together: argparse's usage error
        train_finer.main(["--checkpoint", str(source), "--out", str(tmp_path / "both"), "--preset", "trunk",
                          "--init", str(run / "last.pt"), "--resume", str(run / "last.pt")])
    other = tmp_path / "other"
    train.main(["--stage", "vae", "--out", str(other), "--steps", "1", "--seed", "3", *SMALL])
    assert train_finer.main(["--checkpoint", str(other / "last.pt"), "--out", str(tmp_path / "no"),
                             "--resume", str(tmp_path / "slim.pt")]) == 2


def test_train_finer_refuses_a_checkpoint_of_another_stage(tmp_path):
    train.main(["--stage", "vae", "--out", str(tmp_path / "vae"), "--steps", "1", *SMALL])
    code = train_finer.main(["--checkpoint", str(tmp_path / "vae" / "last.pt"), "--out", str(tmp_path / "f"),
                             "--resume", str(tmp_path / "vae" / "last.pt")])
    assert code == 2
