"""Training on tiny clips (5 frames, 64x64): loss goes down, resuming replays
an uninterrupted run exactly, and DDP runs with two CPU processes on gloo."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from spacetime import train
from spacetime.checkpoint import (delta_checkpoint, load_checkpoint, load_text_to_video, load_vae, save_checkpoint,
                                  slim_checkpoint)
from spacetime.data import folder_clips, object_cells
from spacetime.losses import dit_loss, guidance_distill_loss, vae_loss, velocity_error
from spacetime.nets.dit import DiTConfig
from spacetime.nets.text_encoder import TextEncoderConfig
from spacetime.nets.text_to_video import TextToVideo
from spacetime.nets.vae import VAE_PRESETS, VideoAutoencoder, VAEConfig, video_to_tensor
from spacetime.tokenizer import Tokenizer
from spacetime.world.config import WorldConfig
from spacetime.world.render import render
from spacetime.world.sampler import sample

MODEL_DIR = Path(__file__).resolve().parents[1]
SMALL = ["--preset", "tiny", "--frames", "5", "--height", "64", "--width", "64", "--threads", "1",
         "--batch", "4", "--log-every", "1", "--save-every", "1000"]


def read_log(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def vae_checkpoint(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("vae")
    train.main(["--stage", "vae", "--out", str(run), "--steps", "2", *SMALL])
    return run / "last.pt"


def test_vae_steps_lower_the_loss(tmp_path):
    train.main(["--stage", "vae", "--out", str(tmp_path), "--steps", "25", "--warmup", "5", *SMALL])
    ckpt = load_checkpoint(tmp_path / "last.pt")
    assert ckpt["step"] == 25 and ckpt["configs"]["vae"] == VAE_PRESETS["tiny"].to_dict()
    world = WorldConfig(frames=5, height=64, width=64)
    x = video_to_tensor(render([sample(i, "heldout", world) for i in range(4)], world))
    torch.manual_seed(0)  # the same init train.py starts from
    fresh = VideoAutoencoder(VAEConfig(**ckpt["configs"]["vae"])).eval()
    trained = VideoAutoencoder(VAEConfig(**ckpt["configs"]["vae"])).eval()
    trained.load_state_dict(ckpt["model"]["vae"])
    with torch.no_grad():
        before, after = vae_loss(fresh, x).item(), vae_loss(trained, x).item()
    assert after < 0.7 * before, (before, after)
    events = [r for r in read_log(tmp_path) if r.get("event") == "eval"]
    assert events and events[-1]["psnr"] > 10
    # Latent statistics were measured and stored for the DiT.
    assert not torch.equal(ckpt["model"]["vae"]["latent_std"], torch.ones(16))


def test_finetune_decoder_keeps_the_latent_space(tmp_path, dit_checkpoint):
    """A DiT's latents stay valid: only the decoder moves, and it gets better."""
    train.main(["--stage", "vae", "--finetune-decoder", str(dit_checkpoint), "--out", str(tmp_path), "--steps", "15",
                "--warmup", "1", "--lr", "2e-3", *SMALL])
    before = load_vae(load_checkpoint(dit_checkpoint))
    ckpt = load_checkpoint(tmp_path / "last.pt")
    after = load_vae(ckpt)
    assert read_log(tmp_path)[0]["params"] == sum(p.numel() for p in after.decoder.parameters())
    old, new = before.state_dict(), after.state_dict()
    kept = [k for k in old if not k.startswith("decoder.")]
    assert "latent_std" in kept and all(torch.equal(old[k], new[k]) for k in kept)
    assert any(not torch.equal(old[k], new[k]) for k in old if k.startswith("decoder."))
    world = WorldConfig(frames=5, height=64, width=64)
    x = video_to_tensor(render([sample(i, "heldout", world) for i in range(4)], world))
    with torch.no_grad():
        assert vae_loss(after, x).item() < vae_loss(before, x).item()
    with pytest.raises(SystemExit):
        train.parse_args(["--stage", "dit", "--vae", "v.pt", "--finetune-decoder", str(dit_checkpoint), "--out", "x"])


def fixed_dit_loss(model: TextToVideo, vae: VideoAutoencoder, ckpt: dict) -> float:
    world = WorldConfig(frames=5, height=64, width=64)
    samples = [sample(i, "train", world) for i in range(8)]
    with torch.no_grad():
        x0 = vae.normalize(vae.encode(video_to_tensor(render(samples, world))))
        tok = Tokenizer.from_dict(ckpt["tokenizer"])
        ids, mask = tok([s.caption for s in samples])
        args = train.parse_args(["--stage", "dit", "--out", "x", "--vae", "x"])
        g = torch.Generator().manual_seed(0)
        return dit_loss(model.eval(), x0, ids, mask, args, ckpt["flow"]["shift"], g).item()


def test_dit_steps_lower_the_loss(tmp_path, vae_checkpoint):
    train.main(["--stage", "dit", "--vae", str(vae_checkpoint), "--out", str(tmp_path), "--steps", "30",
                "--warmup", "5", "--lr", "1e-3", "--latent-pool", "16", *SMALL])
    ckpt = load_checkpoint(tmp_path / "last.pt")
    vae = load_vae(ckpt)
    torch.manual_seed(0)
    fresh = TextToVideo(TextEncoderConfig(**ckpt["configs"]["text"]), DiTConfig(**ckpt["configs"]["dit"]))
    trained, _ = load_text_to_video(ckpt, ema=False)
    before, after = fixed_dit_loss(fresh, vae, ckpt), fixed_dit_loss(trained, vae, ckpt)
    assert after < 0.9 * before, (before, after)
    log = read_log(tmp_path)
    steps = [r for r in log if "loss" in r]
    assert steps[-1]["step"] == 30 and steps[-1]["clips_per_s"] > 0 and steps[-1]["tokens_per_s"] > 0
    assert any(r.get("event") == "eval" and "heldout_loss" in r for r in log)


def test_resume_replays_an_uninterrupted_run(tmp_path, vae_checkpoint):
    # All steps inside warm-up, so the learning rate depends on the step alone
    # and a 2-step run is a true prefix of a 4-step one.
    common = ["--stage", "dit", "--vae", str(vae_checkpoint), "--warmup", "100", "--batch", "2", *SMALL[:-6],
              "--log-every", "1", "--save-every", "1000"]
    train.main([*common, "--out", str(tmp_path / "a"), "--steps", "4"])
    train.main([*common, "--out", str(tmp_path / "b"), "--steps", "2"])
    train.main([*common, "--out", str(tmp_path / "b"), "--steps", "4", "--resume", str(tmp_path / "b" / "last.pt")])
    a = load_checkpoint(tmp_path / "a" / "last.pt")
    b = load_checkpoint(tmp_path / "b" / "last.pt")
    assert a["step"] == b["step"] == 4
    for part in ("model", "ema"):
        for name, tensor in a[part]["t2v"].items():
            assert torch.equal(tensor, b[part]["t2v"][name]), f"{part}.{name} differs after resume"
    with pytest.raises(ValueError, match="not vae"):
        train.main(["--stage", "vae", "--out", str(tmp_path / "c"), "--resume", str(tmp_path / "a" / "last.pt"), *SMALL])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_two_processes_on_gloo(tmp_path, vae_checkpoint):
    """Two ranks started the way torchrun starts them (RANK, WORLD_SIZE,
    MASTER_ADDR/PORT in the environment). torchrun itself is not used: torch
    1.13's elastic agent breaks on Python 3.11 (Std.from_str("0") is None)."""
    port = str(free_port())
    cmd = [sys.executable, "-m", "spacetime.train", "--stage", "dit", "--vae", str(vae_checkpoint),
           "--out", str(tmp_path), "--steps", "2", *SMALL]
    procs = []
    for rank in range(2):
        env = {**os.environ, "PYTHONPATH": str(MODEL_DIR), "OMP_NUM_THREADS": "1", "RANK": str(rank),
               "LOCAL_RANK": str(rank), "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port}
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    try:
        outputs = [p.communicate(timeout=180)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), "\n".join(o[-3000:] for o in outputs)
    log = read_log(tmp_path)
    assert log[0]["world_size"] == 2
    assert [r["step"] for r in log if "loss" in r] == [1, 2]
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 2


@pytest.fixture(scope="module")
def dit_checkpoint(tmp_path_factory, vae_checkpoint) -> Path:
    run = tmp_path_factory.mktemp("dit")
    train.main(["--stage", "dit", "--vae", str(vae_checkpoint), "--out", str(run), "--steps", "2", *SMALL])
    return run / "last.pt"


def test_pipeline_is_deterministic_and_keeps_context(dit_checkpoint):
    from spacetime.pipeline import TextToVideoPipeline

    pipe = TextToVideoPipeline.from_checkpoint(dit_checkpoint)
    prompts = ["a red ball in the sky", "two blue cubes at night"]
    steps = []
    a = pipe(prompts, steps=3, seed=7, callback=lambda i, x: steps.append(i))
    b = pipe(prompts, steps=3, seed=7)
    assert a.video.shape == (2, 5, 64, 64, 3) and a.video.dtype == torch.uint8
    assert torch.equal(a.video, b.video) and steps == [0, 1, 2]
    assert not torch.equal(pipe(prompts, steps=3, seed=8).latents, a.latents)
    first = a.video[:, :1]  # animate an image: frame 0 given
    c = pipe(prompts, steps=3, seed=7, context_video=first)
    with torch.no_grad():
        z = pipe.vae.normalize(pipe.vae.encode(video_to_tensor(first)))
    assert torch.allclose(c.latents[:, :, :1], z, atol=1e-6)
    with pytest.raises(ValueError, match="guidance"):
        pipe(prompts, guidance=0.5)


def test_trains_on_a_video_folder(tmp_path, vae_checkpoint):
    folder = video_folder(tmp_path, 3)
    train.main(["--stage", "dit", "--vae", str(vae_checkpoint), "--videos", str(folder), "--out", str(tmp_path / "run"),
                "--steps", "2", *SMALL[:-6], "--batch", "2", "--log-every", "1"])
    assert [r["step"] for r in read_log(tmp_path / "run") if "loss" in r] == [1, 2]


def test_object_cells_cover_every_object_pixel_and_little_else():
    """The loss weighting's cells hold every pixel where objects change the
    rendered clip (found by rendering the same clip without its objects)."""
    from dataclasses import replace

    world = WorldConfig()
    samples = [sample(i, "train", world) for i in range(12)]
    with_objects = render(samples, world).float()
    backgrounds = render([replace(s, tracks=[]) for s in samples], world).float()
    changed = (with_objects - backgrounds).abs().amax(-1) > 8  # (B, T, H, W)
    cells = object_cells(samples, world)  # (B, T', 16, 16)
    assert cells.shape == (12, 9, 16, 16)
    frame_cells = cells[:, [(f + 1) // 2 for f in range(world.frames)]]  # (B, T, 16, 16)
    pixel_cells = frame_cells.repeat_interleave(8, dim=2).repeat_interleave(8, dim=3).bool()
    assert changed.any()
    assert not (changed & ~pixel_cells).any(), "an object pixel lies outside its cells"
    assert cells.mean() < 0.25, "cells should mark objects, not whole frames"


def test_eval_vae_reports_held_out_psnr(vae_checkpoint, tmp_path, capsys):
    from spacetime import eval_vae

    assert eval_vae.main(["--checkpoint", str(vae_checkpoint), "--clips", "4", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    psnr = float(out.split("PSNR ")[1].split(" dB")[0])
    assert 10 < psnr < 60 and "4 held-out clips of 5x64x64" in out
    assert eval_vae.main(["--checkpoint", str(tmp_path / "missing.pt")]) == 2
    with pytest.raises(SystemExit):
        eval_vae.main(["--checkpoint", str(vae_checkpoint), "--clips", "3"])


def test_refit_encoder_trains_only_the_encoder(tmp_path, dit_checkpoint):
    """--refit-encoder: the decoder and latent statistics (the DiT's latent
    space) stay bit-identical; the encoder moves, towards the DiT's anchors."""
    train.main(["--stage", "vae", "--refit-encoder", str(dit_checkpoint), "--out", str(tmp_path), "--steps", "3",
                "--warmup", "1", "--anchor-clips", "8", *SMALL])
    before = load_vae(load_checkpoint(dit_checkpoint)).state_dict()
    after = load_vae(load_checkpoint(tmp_path / "last.pt")).state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if not k.startswith("encoder."))
    assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith("encoder."))
    assert any(r.get("event") == "anchors" and r["clips"] == 8 for r in read_log(tmp_path))


def test_init_fine_tunes_with_a_plan_path_and_a_wider_vocabulary(tmp_path, dit_checkpoint):
    """--init: the checkpoint's weights carry over to today's vocabulary:
    words both vocabularies know keep their embeddings, new words start as
    [UNK], what the checkpoint read them as."""
    ckpt = load_checkpoint(dit_checkpoint)
    old = Tokenizer.from_dict(ckpt["tokenizer"])
    small = Tokenizer(old.words[: len(old.words) // 2], old.max_length)
    state = dict(ckpt["ema"]["t2v"])
    state["text.embed.weight"] = state["text.embed.weight"][: small.vocab_size]
    remapped = train.remap_embeddings(state, small, old)
    emb = remapped["text.embed.weight"]
    assert emb.shape[0] == old.vocab_size
    assert torch.equal(emb[: small.vocab_size], state["text.embed.weight"])  # the same words, the same rows
    assert all(torch.equal(emb[old.vocab[w]], state["text.embed.weight"][old.unk_id]) for w in old.words[len(old.words) // 2:])
    train.main(["--stage", "dit", "--init", str(dit_checkpoint), "--vae", str(dit_checkpoint), "--out", str(tmp_path),
                "--steps", "1", *SMALL])
    assert any(r.get("event") == "init" for r in read_log(tmp_path))
    with pytest.raises(SystemExit):
        train.parse_args(["--stage", "vae", "--init", str(dit_checkpoint), "--out", "x"])


def test_guidance_distillation_learns_the_teachers_guided_velocity(tmp_path, dit_checkpoint):
    """The target is v_u + w (v_c - v_u): a student equal to its teacher is
    already there at w = 1, and its error grows as (w - 1)^2. train.py
    distils from --teacher, and the checkpoint says at what guidance."""
    ckpt = load_checkpoint(dit_checkpoint)
    model, tok = load_text_to_video(ckpt)
    vae = load_vae(ckpt)
    world = WorldConfig(frames=5, height=64, width=64)
    samples = [sample(i, "train", world) for i in range(4)]
    with torch.no_grad():
        x0 = vae.normalize(vae.encode(video_to_tensor(render(samples, world))))
        ids, mask = tok([s.caption for s in samples])
        empty = tok([""] * len(samples))
        args = train.parse_args(["--stage", "dit", "--out", "x", "--vae", "x"])

        def loss(w: float) -> float:
            g = torch.Generator().manual_seed(0)
            return guidance_distill_loss(model, model, x0, ids, mask, empty, w, args, ckpt["flow"]["shift"], g).item()

        at1, at2, at3 = loss(1.0), loss(2.0), loss(3.0)
    assert at2 > 0 and at1 < 1e-6 * at2, (at1, at2)
    assert at3 / at2 == pytest.approx(4.0, rel=1e-3)

    train.main(["--stage", "dit", "--init", str(dit_checkpoint), "--vae", str(dit_checkpoint), "--teacher",
                str(dit_checkpoint), "--distill-guidance", "2", "--out", str(tmp_path), "--steps", "2", *SMALL])
    assert any(r.get("event") == "teacher" and r["guidance"] == 2 for r in read_log(tmp_path))
    assert load_checkpoint(tmp_path / "last.pt")["args"]["distill_guidance"] == 2
    with pytest.raises(ValueError, match="--teacher"):
        train.main(["--stage", "dit", "--init", str(dit_checkpoint), "--vae", str(dit_checkpoint),
                    "--distill-guidance", "2", "--out", str(tmp_path / "b"), "--steps", "1", *SMALL])


def test_a_slim_dit_checkpoint_borrows_its_autoencoder_from_the_one_it_names(tmp_path, dit_checkpoint):
    """Two committed DiTs on one autoencoder store it once: the second names
    the first, and loading it puts the same autoencoder back, or refuses."""
    full = load_checkpoint(dit_checkpoint)
    save_checkpoint(tmp_path / "base.pt", slim_checkpoint(full))
    save_checkpoint(tmp_path / "student.pt", slim_checkpoint(full, autoencoder_from="base.pt"))
    student = torch.load(tmp_path / "student.pt", weights_only=False)
    assert "vae" not in student["model"] and student["autoencoder_from"] == "base.pt"
    assert (tmp_path / "student.pt").stat().st_size < 0.8 * (tmp_path / "base.pt").stat().st_size

    loaded = load_checkpoint(tmp_path / "student.pt")
    for name, value in full["model"]["vae"].items():
        assert torch.allclose(loaded["model"]["vae"][name].float(), value, rtol=1e-3, atol=1e-4), name
    assert load_vae(loaded).cfg.to_dict() == full["configs"]["vae"]
    model, _ = load_text_to_video(loaded)
    for name, value in model.state_dict().items():
        assert torch.allclose(value, full["ema"]["t2v"][name], rtol=1e-3, atol=1e-4), name

    other = load_checkpoint(tmp_path / "base.pt")
    other["model"]["vae"] = {k: v + 0.01 if v.is_floating_point() else v for k, v in other["model"]["vae"].items()}
    save_checkpoint(tmp_path / "base.pt", other)
    with pytest.raises(ValueError, match="fingerprint"):
        load_checkpoint(tmp_path / "student.pt")
    (tmp_path / "base.pt").unlink()
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "student.pt")
    with pytest.raises(ValueError, match="only a DiT"):
        slim_checkpoint({**full, "stage": "vae"}, autoencoder_from="base.pt")


def test_a_fine_tune_stored_as_its_difference_loads_back_within_the_int8_step(tmp_path, dit_checkpoint):
    """A fine-tune committed as int8 steps from the checkpoint it started from
    takes about half the space and loads back to within half a step of each
    row's move; a tensor whose shape changed is kept whole; a changed or
    missing base is refused."""
    full = load_checkpoint(dit_checkpoint)
    save_checkpoint(tmp_path / "base.pt", slim_checkpoint(full))
    g = torch.Generator().manual_seed(0)
    tuned = {**full, "ema": {"t2v": {k: v + 1e-3 * torch.randn(v.shape, generator=g) if v.is_floating_point() else v
                                     for k, v in full["ema"]["t2v"].items()}}}
    widened = max((k for k, v in tuned["ema"]["t2v"].items() if v.dim() == 2), key=lambda k: tuned["ema"]["t2v"][k].numel())
    tuned["ema"]["t2v"][widened] = torch.cat([tuned["ema"]["t2v"][widened]] * 2, dim=1)
    slim = slim_checkpoint(tuned, autoencoder_from="base.pt")
    save_checkpoint(tmp_path / "slim.pt", slim)
    save_checkpoint(tmp_path / "delta.pt", delta_checkpoint(slim, load_checkpoint(tmp_path / "base.pt"), "base.pt"))
    assert (tmp_path / "delta.pt").stat().st_size < 0.65 * (tmp_path / "slim.pt").stat().st_size

    loaded, base = load_checkpoint(tmp_path / "delta.pt"), load_checkpoint(tmp_path / "base.pt")
    assert "ema_delta" not in loaded and loaded["ema"]["t2v"].keys() == slim["ema"]["t2v"].keys()
    assert torch.equal(loaded["ema"]["t2v"][widened], slim["ema"]["t2v"][widened])
    for name, value in slim["ema"]["t2v"].items():
        got = loaded["ema"]["t2v"][name]
        assert got.dtype == value.dtype and got.shape == value.shape, name
        if value.dtype == torch.float16 and name != widened:
            move = (value.float() - base["ema"]["t2v"][name].float()).reshape(value.shape[0], -1)
            half_step = move.abs().amax(dim=1, keepdim=True) / 254
            err = (got.float() - value.float()).reshape(value.shape[0], -1).abs()
            assert (err <= half_step + value.float().abs().reshape_as(err) * 1e-3 + 1e-6).all(), name

    other = load_checkpoint(tmp_path / "base.pt")
    other["ema"]["t2v"] = {k: v + 0.01 if v.is_floating_point() else v for k, v in other["ema"]["t2v"].items()}
    save_checkpoint(tmp_path / "base.pt", other)
    with pytest.raises(ValueError, match="fingerprint"):
        load_checkpoint(tmp_path / "delta.pt")
    (tmp_path / "base.pt").unlink()
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "delta.pt")


def video_folder(tmp_path: Path, n: int) -> Path:
    """n rendered clips as NAME.mp4 + NAME.txt, each caption naming its clip."""
    from spacetime.world.video_io import FFmpegNotFound, find_ffmpeg, write_video

    try:
        find_ffmpeg()
    except FFmpegNotFound:
        pytest.skip("ffmpeg not installed")
    folder = tmp_path / "videos"
    folder.mkdir()
    world = WorldConfig(frames=5, height=64, width=64)
    for i in range(n):
        s = sample(i, "train", world)
        write_video(folder / f"clip{i}.mp4", render([s], world)[0], fps=8)
        (folder / f"clip{i}.txt").write_text(f"{s.caption} {i}")
    return folder


def test_folder_batches_resume_mid_epoch_and_each_rank_decodes_only_its_own(tmp_path, monkeypatch):
    import argparse

    from spacetime.world import realdata

    args = argparse.Namespace(videos=str(video_folder(tmp_path, 5)), batch=2, seed=0)
    cfg = WorldConfig(frames=5, height=64, width=64)
    decoded: list[int] = []
    real_getitem = realdata.VideoFolderDataset.__getitem__
    monkeypatch.setattr(realdata.VideoFolderDataset, "__getitem__", lambda self, i: decoded.append(i) or real_getitem(self, i))

    def take(stream, n):
        return [tuple(next(stream)[1]) for _ in range(n)]

    # One rank: 3 batches an epoch (2 + 2 + 1 clips); batch 4 is the second of epoch 1.
    whole = take(folder_clips(args, cfg, 0, 1), 7)
    decoded.clear()
    resumed = take(folder_clips(args, cfg, 0, 1, start=4), 3)
    assert resumed == whole[4:]
    assert len(decoded) == sum(map(len, resumed))  # the skipped batches were not decoded

    # Two ranks share epoch 0 (rank 0: batches 0 and 2, rank 1: batch 1), each decoding its own only.
    shards = []
    for rank, batches in ((0, 2), (1, 1)):
        decoded.clear()
        got = take(folder_clips(args, cfg, rank, 2), batches)
        assert len(decoded) == sum(map(len, got))
        shards += got
    assert sorted(c for b in shards for c in b) == sorted(c for b in whole[:3] for c in b)


def test_resume_on_a_video_folder_replays_an_uninterrupted_run(tmp_path, vae_checkpoint):
    # 5 clips at batch 2: 3 batches an epoch, so step 2 is in the middle of the first epoch.
    folder = video_folder(tmp_path, 5)
    common = ["--stage", "dit", "--vae", str(vae_checkpoint), "--videos", str(folder), "--warmup", "100", *SMALL[:-6],
              "--batch", "2", "--log-every", "1", "--save-every", "1000"]
    train.main([*common, "--out", str(tmp_path / "a"), "--steps", "4"])
    train.main([*common, "--out", str(tmp_path / "b"), "--steps", "2"])
    train.main([*common, "--out", str(tmp_path / "b"), "--steps", "4", "--resume", str(tmp_path / "b" / "last.pt")])
    a = load_checkpoint(tmp_path / "a" / "last.pt")
    b = load_checkpoint(tmp_path / "b" / "last.pt")
    for name, tensor in a["model"]["t2v"].items():
        assert torch.equal(tensor, b["model"]["t2v"][name]), f"{name} differs after resume"


@pytest.mark.parametrize("pool", ["0", "8"])
def test_dit_trains_on_size_buckets(vae_checkpoint, tmp_path, pool):
    """--aspects: step s trains on bucket s mod n, each batch one shape (the
    short side kept), from rendered clips or from a latent pool per bucket."""
    seen = []
    real_loss = train.dit_loss

    def spy(model, x0, *args, **kwargs):
        seen.append(tuple(x0.shape[3:]))
        return real_loss(model, x0, *args, **kwargs)

    train.dit_loss = spy
    try:
        train.main(["--stage", "dit", "--vae", str(vae_checkpoint), "--out", str(tmp_path), "--steps", "3",
                    "--aspects", "1:1,16:9,9:16", "--latent-pool", pool, *SMALL])
    finally:
        train.dit_loss = real_loss
    assert seen == [(8, 8), (8, 14), (14, 8)]
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 3


def test_aspects_are_checked(vae_checkpoint, tmp_path):
    with pytest.raises(SystemExit):
        train.main(["--stage", "dit", "--vae", str(vae_checkpoint), "--out", str(tmp_path), "--aspects", "4:3", *SMALL])
    with pytest.raises(SystemExit):
        train.main(["--stage", "vae", "--out", str(tmp_path), "--aspects", "16:9", *SMALL])


def test_context_masks_extend_animate_and_close_loops():
    """A third of the context clips get frame 0, a third a prefix, a third a
    prefix and a suffix (a loop's two ends); every clip keeps a frame to make."""
    from spacetime.losses import context_mask_for

    m = context_mask_for(3000, 9, 0.3, torch.Generator().manual_seed(0), torch.device("cpu"))
    given = m.sum(1)
    assert (given < 9).all()
    ends = m[:, -1] == 1
    assert (m[ends, 0] == 1).all()  # a suffix always comes with a prefix
    for row in m[ends]:  # given frames: one run at the start, one at the end
        assert (row[1:] - row[:-1]).abs().sum() == 2
    assert abs(ends.float().mean().item() - 0.1) < 0.02
    assert abs((given == 0).float().mean().item() - 0.7) < 0.03
    assert (context_mask_for(64, 2, 1.0, torch.Generator().manual_seed(1), torch.device("cpu"))[:, -1] == 0).all()


def test_the_coarse_loss_weighs_broad_errors_not_cell_to_cell_noise():
    import argparse
    plain, coarse = argparse.Namespace(coarse_weight=0.0), argparse.Namespace(coarse_weight=3.0)
    target = torch.zeros(1, 4, 2, 6, 5)  # odd width: the last column pools alone
    broad = torch.full_like(target, 0.5)
    checker = 0.5 * (-1.0) ** (torch.arange(6)[:, None] + torch.arange(5)[None, :]).float()  # (6, 5)
    noisy = checker.expand_as(target)
    assert torch.equal(velocity_error(broad, target, plain), broad.pow(2).mean(1))
    assert torch.allclose(velocity_error(broad, target, coarse), 4 * velocity_error(broad, target, plain))
    fine = velocity_error(noisy, target, coarse)[..., :4]  # (1, 2, 6, 4): whole 2x2 cells
    assert torch.allclose(fine, velocity_error(noisy, target, plain)[..., :4])  # +-0.5 in each 2x2 averages to 0


def test_the_pool_refresh_replaces_the_oldest_clips_with_new_ones():
    from spacetime.data import TrainingData
    args = train.parse_args(["--stage", "dit", "--out", "x", "--vae", "x", "--batch", "2", "--latent-pool", "4",
                             "--pool-refresh", "2", "--camera", "0.5", "--height", "64", "--width", "64"])
    world = WorldConfig(frames=5, height=64, width=64)
    encode = lambda v: video_to_tensor(v)[:, :, ::2, ::8, ::8]  # noqa: E731  a stand-in autoencoder: (B, 3, 3, 8, 8)
    data = TrainingData("dit", args, world, 0, 1, torch.device("cpu"), encode, 0)
    assert data.fill_pool() == 4
    before = [data.pools[0][0].clone(), list(data.pools[0][1]), data.pools[0][3].clone()]
    g = torch.Generator().manual_seed(0)
    data(1, g)  # not a refresh step
    assert data.pools[0][1] == before[1]
    for step, changed in ((2, [0, 1]), (4, [2, 3]), (6, [0, 1])):
        kept = list(data.pools[0][1])
        data(step, g)
        captions = data.pools[0][1]
        assert [i for i in range(4) if captions[i] != kept[i]] == changed, step
    assert not torch.equal(data.pools[0][0], before[0]) and not torch.equal(data.pools[0][3], before[2])
    assert set(captions).isdisjoint(before[1])  # every clip of the first pool has been replaced
