"""The world's camera (world/camera.py): moves keep every object whole in the frame and
relations true, the background moves with the view, and the plan raster carries it."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from spacetime.plan import CAMERA_CHANNELS, RASTER_CHANNELS, dit_raster_channels, make_plan, rasterize
from spacetime.world import vocab
from spacetime.world.camera import camera_track, film, shown
from spacetime.world.config import WorldConfig
from spacetime.world.layout import _relation_holds, layout
from spacetime.world.render import render
from spacetime.world.sampler import MOVE_SHOWN, sample
from spacetime.world.spec import ClipSpec, Subject


def test_every_move_keeps_objects_whole_in_frame_and_relations_true():
    cfg = WorldConfig()
    moved = shows = 0
    for i in range(200):
        s = sample(i, "train", cfg, camera=1.0)
        assert s.spec.camera in vocab.CAMERA_MOVES[1:]
        for tr in s.tracks:
            for x, y, d in zip(tr.x, tr.y, tr.diameter):
                assert d / 2 <= x <= cfg.width - d / 2 and d / 2 <= y <= cfg.height - d / 2, (i, s.spec.camera)
        if s.spec.relation:
            assert _relation_holds(s.spec.relation, *s.tracks[:2])
        cam = s.camera
        moved += abs(cam.x[-1] - cam.x[0]) + abs(cam.y[-1] - cam.y[0]) > 1 or abs(cam.zoom[-1] - 1) > 0.05
        shows += shown(cam, cfg) >= MOVE_SHOWN
    assert moved >= 170, moved  # most moves have room to happen (a follow of a still subject does not move)
    # A move the layout leaves no room for is drawn again: pans and zooms show most of themselves.
    assert shows >= 190, shows


def test_without_camera_samples_are_what_they_were():
    for i in range(20):
        a, b = sample(i, "train"), sample(i, "train", camera=0.0)
        assert a == b and a.camera is None and a.spec.camera is None


def _panned_left(scene: str):
    """A still red ball over `scene`, laid out once and filmed twice: by a pan left and from a
    static view. Returns the tracks, the filmed tracks, the camera and both uint8 clips."""
    from spacetime.world.spec import WorldSample
    cfg = WorldConfig()
    spec = ClipSpec((Subject("ball", "red", "small", "still"),), scene)
    tracks = layout(spec, cfg, 3)
    cam = camera_track("pan-left", tracks, cfg)
    filmed = film(tracks, cam, cfg)
    clip = render([WorldSample(0, replace(spec, camera="pan-left"), "", 0, filmed, 5, cam)], cfg)[0].numpy()
    still = render([WorldSample(0, spec, "", 0, tracks, 5)], cfg)[0].numpy()
    return tracks, filmed, cam, clip, still


def test_a_pan_slides_the_picture_and_the_objects_with_it():
    tracks, filmed, _, clip, still = _panned_left("night")
    shift = filmed[0].x[-1] - filmed[0].x[0]
    assert shift > 20  # a pan left slides the picture right, the still ball with it
    # In the last frame the stars are where a static camera shows them, moved as far as the ball.
    slide = round(filmed[0].x[-1] - tracks[0].x[-1])
    assert slide != 0
    stars = lambda f: {tuple(p) for p in np.argwhere(f.min(-1) > 100)}  # noqa: E731 (white: not the red ball)
    static_stars = stars(still[-1])
    moved = {(y, x - slide + e) for y, x in stars(clip[-1]) for e in (-1, 0, 1)}  # to the pixel
    assert len(static_stars & moved) >= 0.6 * len(static_stars), (len(static_stars & moved), len(static_stars))


def test_the_scenes_shading_slides_with_the_pan():
    """An empty sky still shows a pan: its soft shading is drawn at stage coordinates."""
    _, _, cam, clip, still = _panned_left("sky")
    W = WorldConfig().width
    assert cam.x[0] - cam.x[-1] > 20  # the view moves left: the picture slides right
    d = round(cam.x[-1] - W / 2)  # the last frame's pixel p shows the stage's p + d
    grey = lambda f: f.astype(np.float64).mean(-1)  # noqa: E731
    a = grey(clip[-1])[:, max(0, -d):W - max(0, d)]
    b = grey(still[-1])[:, max(0, d):W - max(0, -d)]  # the static sky, moved as the view moved
    # Moved back it is the static sky; unmoved it differs (a plain gradient would not).
    assert np.median(np.abs(a - b)) < 1.0 < np.median(np.abs(grey(clip[-1]) - grey(still[-1])))


def test_the_raster_carries_the_shading_the_clip_shows(monkeypatch):
    """The "shade" channel is the scene's shading at each latent cell, seen through the camera:
    what the clip loses when the scene is rendered unshaded, in every frame."""
    from spacetime.plan import latent_frame_groups, plan_for_sample
    from spacetime.world import render as render_module
    cfg = WorldConfig()
    for seed in range(6):
        s = sample(seed, "train", cfg, camera=1.0)
        shaded = render([s], cfg)[0].numpy().astype(np.float64).mean(-1)  # (T, H, W) grey
        with monkeypatch.context() as m:
            m.setattr(render_module, "SHADE", dict.fromkeys(render_module.SHADE, 0.0))
            flat = render([s], cfg)[0].numpy().astype(np.float64).mean(-1)
        r = rasterize(plan_for_sample(s, cfg), 0, cfg.frames, cfg.height, cfg.width, ("shade",))[0]  # (T', h, w)
        for j, group in enumerate(latent_frame_groups(cfg.frames)):
            shading = (shaded[group] - flat[group]).mean(0)[3::8, 3::8]  # near each cell's centre
            assert np.corrcoef(shading.ravel(), r[j].ravel())[0, 1] > 0.9, (seed, j, s.spec.scene, s.spec.camera)


def test_the_raster_carries_the_cameras_motion():
    cfg = WorldConfig()
    spec = ClipSpec((Subject("car", "red", "medium", "right"),), "field")
    still = rasterize(make_plan(spec, cfg, 4), 0, cfg.frames, cfg.height, cfg.width)
    cam = [RASTER_CHANNELS.index(c) for c in CAMERA_CHANNELS]
    assert not still[cam].any()
    pan = rasterize(make_plan(replace(spec, camera="pan-left"), cfg, 4), 0, cfg.frames, cfg.height, cfg.width)
    assert (pan[cam[0]] > 0.3).all() and np.allclose(pan[cam[1]], 0)  # the picture moves right everywhere
    wide = rasterize(make_plan(replace(spec, camera="zoom-out"), cfg, 4), 0, cfg.frames, cfg.height, cfg.width)
    row = wide[cam[0], 3, 8]
    assert row[0] > 0 > row[-1]  # zooming out draws the picture in towards the centre
    old = rasterize(make_plan(spec, cfg, 4), 0, cfg.frames, cfg.height, cfg.width, dit_raster_channels(23))
    assert np.array_equal(old, still[:23])


def test_widening_the_plan_input_keeps_the_model_as_it_was():
    from spacetime.nets.dit import DiTConfig
    from spacetime.nets.text_to_video import TextToVideo
    from spacetime.nets.text_encoder import TextEncoderConfig
    from spacetime.train import widen_plan_input
    torch.manual_seed(0)
    text = TextEncoderConfig(vocab_size=40, max_length=8, dim=16, depth=1, heads=2)
    old_cfg = DiTConfig(latent_channels=4, frames=3, height=4, width=4, patch=2, dim=32, depth=2, heads=2,
                        text_dim=16, plan_channels=23, plan_dim=8)
    old = TextToVideo(text, old_cfg)
    for p in old.parameters():  # the plan path trained: not zero
        torch.nn.init.normal_(p, std=0.1)
    new = TextToVideo(text, replace(old_cfg, plan_channels=25))
    new.load_state_dict(widen_plan_input(old.state_dict(), new.dit.cfg))
    x, t = torch.randn(1, 4, 3, 4, 4), torch.tensor([0.5])
    ids, mask = torch.randint(0, 40, (1, 8)), torch.ones(1, 8)
    plan = torch.randn(1, 23, 3, 4, 4)
    with torch.no_grad():
        a = old(x, t, ids, mask, None, None, plan)
        b = new(x, t, ids, mask, None, None, torch.cat([plan, torch.randn(1, 2, 3, 4, 4)], 1))
    assert torch.allclose(a, b, atol=1e-6)
