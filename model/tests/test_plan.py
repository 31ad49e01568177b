"""Scene plans: the layout's portable random numbers, motions that last a
minute, the plan contract and the DiT's raster of it."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from spacetime.plan import RASTER_CHANNELS, ScenePlan, latent_frame_groups, make_plan, plan_for_sample, rasterize
from spacetime.world import vocab
from spacetime.world.config import WorldConfig
from spacetime.world.layout import _relation_holds, layout, ping_pong
from spacetime.world.rng import PlanRng
from spacetime.world.sampler import sample
from spacetime.world.spec import ClipSpec, Subject

MINUTE = WorldConfig(frames=481)


def test_plan_rng_is_mulberry32():
    # Reference values of mulberry32 (seed 1), computed with the C original's 32-bit arithmetic.
    rng = PlanRng(1)
    first = [rng.random() for _ in range(3)]
    state, ref = 1, []
    for _ in range(3):
        state = (state + 0x6D2B79F5) % 2**32
        t = ((state ^ (state >> 15)) * (state | 1)) % 2**32
        t = ((t + ((t ^ (t >> 7)) * (t | 61)) % 2**32) % 2**32) ^ t
        ref.append(((t ^ (t >> 14)) % 2**32) / 2**32)
    assert first == ref
    assert sorted(PlanRng(5).permutation(7)) == list(range(7))
    with pytest.raises(ValueError):
        PlanRng(2**32)


def test_ping_pong_is_linear_inside_and_turns_at_the_ends():
    d = np.arange(0, 30, dtype=np.float64)
    p, direction = ping_pong(2.0, 0.0, 10.0, d)
    assert np.allclose(p[:9], 2.0 + d[:9]) and (direction[:8] == 1).all()
    assert p.min() >= 0 and p.max() <= 10 and (direction[10:17] == -1).all()
    assert p[28] == pytest.approx(10.0)  # 2 + 28 = 30 = there (8), back (10), there again (10)


@pytest.mark.parametrize("motion", vocab.MOTIONS)
def test_a_minute_of_every_motion_stays_in_its_cell(motion):
    spec = ClipSpec((Subject("car", "red", "big", motion), Subject("ball", "blue", "small", "bouncing")), "sky", "left of")
    a, b = layout(spec, MINUTE, seed=11)
    assert len(a.x) == 481
    for tr in (a, b):
        r = np.array(tr.diameter) / 2
        assert (np.array(tr.x) - r >= 0).all() and (np.array(tr.x) + r <= 128).all()
        assert (np.array(tr.y) - r >= 0).all() and (np.array(tr.y) + r <= 128).all()
    assert _relation_holds("left of", a, b)
    if motion in ("left", "right"):
        dx, facing = np.diff(a.x), np.array(a.facing)
        steady = facing[:-1] == facing[1:]  # not the frame where it turns round
        assert (np.sign(dx[steady]) == facing[:-1][steady]).all()  # it faces where it goes
        assert (dx > 0).any() and (dx < 0).any()  # it turned back at least once in a minute


def test_short_clips_move_in_one_direction_as_before():
    spec = ClipSpec((Subject("fish", "red", "small", "right"),), "sea")
    (tr,) = layout(spec, WorldConfig(), seed=3)
    assert (np.diff(tr.x) > 0).all() and set(tr.facing) == {1}


def test_long_clip_windows_are_training_clips():
    cfg = WorldConfig()
    samples = [sample(i, "train", cfg, long_clips=1.0) for i in range(30)]
    assert all(len(tr.x) == cfg.frames for s in samples for tr in s.tracks)
    turned = [s for s in samples for tr in s.tracks if len(set(tr.facing)) > 1]
    assert turned, "some windows of minute-long clips include a turn"


def test_plan_round_trip_and_validation():
    plan = plan_for_sample(sample(4, "train"), WorldConfig())
    assert ScenePlan.from_dict(plan.to_dict()) == plan
    assert ScenePlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def _two_object_plan() -> dict:
    spec = ClipSpec((Subject("ball", "red", "big", "still"), Subject("star", "blue", "big", "still")), "snow",
                    relation="left of")
    return make_plan(spec, WorldConfig(), seed=3).to_dict()


def _set(path: str, value):
    def edit(d: dict) -> None:
        *parents, last = path.split(".")
        for k in parents:
            d = d[int(k)] if k.isdigit() else d[k]
        if value is _DELETE:
            del d[last]
        elif last.isdigit():
            d[int(last)] = value
        else:
            d[last] = value
    return edit


_DELETE = object()


# Each bad plan is refused with an error naming its field, as lib/plan/schema.ts does.
@pytest.mark.parametrize("edit, field", [
    (_set("version", 2), r"plan\.version"),
    (_set("scene", "mars"), r"plan\.scene"),
    (_set("fps", 0), r"plan\.fps"),
    (_set("fps", "8"), r"plan\.fps"),
    (_set("frames", _DELETE), r"plan\.frames"),
    (_set("frames", 10_000), r"plan\.frames"),
    (_set("width", 100), r"plan\.width"),
    (_set("height", 32), r"plan\.height"),
    (_set("background_seed", -1), r"plan\.background_seed"),
    (_set("relation", "inside"), r"plan\.relation"),
    (_set("objects", None), r"plan\.objects"),
    (_set("objects.0.kind", "dragon"), r"plan\.objects\[0\]\.kind"),
    (_set("objects.1.colour", "teal"), r"plan\.objects\[1\]\.colour"),
    (_set("objects.1.id", "o1"), r"plan\.objects\[1\]\.id"),
    (_set("objects.0.track", _DELETE), r"plan\.objects\[0\]\.track"),
    (_set("objects.0.track.x.3", 500.0), r"plan\.objects\[0\]\.track\.x\[3\]"),
    (_set("objects.0.track.y", [1.0]), r"plan\.objects\[0\]\.track\.y"),
    (_set("objects.0.track.diameter.0", 0), r"plan\.objects\[0\]\.track\.diameter\[0\]"),
    (_set("objects.0.track.facing.2", 0), r"plan\.objects\[0\]\.track\.facing\[2\]"),
    (_set("objects.0.track.visible.1", 1), r"plan\.objects\[0\]\.track\.visible\[1\]"),
])
def test_bad_plans_name_their_field(edit, field):
    bad = _two_object_plan()
    assert bad["objects"][1]["id"] != bad["objects"][0]["id"]
    edit(bad)
    with pytest.raises(ValueError, match=field):
        ScenePlan.from_dict(bad)


def test_too_many_objects_and_relation_without_partner_are_refused():
    bad = _two_object_plan()
    bad["objects"] = [dict(bad["objects"][0], id=f"o{i}") for i in range(4)]
    with pytest.raises(ValueError, match="at most 3"):
        ScenePlan.from_dict(bad)
    bad = _two_object_plan()
    bad["objects"] = bad["objects"][:1]
    with pytest.raises(ValueError, match=r"plan\.relation"):
        ScenePlan.from_dict(bad)


def test_a_hidden_object_may_be_outside_the_frame():
    d = _two_object_plan()
    d["objects"][0]["track"]["x"][2] = -40.0
    d["objects"][0]["track"]["visible"][2] = False
    plan = ScenePlan.from_dict(d)
    raster = rasterize(plan, 0, plan.frames, plan.height, plan.width)
    assert raster.shape[1] == len(latent_frame_groups(plan.frames))


def test_raster_marks_each_object_once_where_it_is():
    spec = ClipSpec((Subject("ball", "red", "big", "still"), Subject("star", "blue", "big", "still", count=2)), "snow")
    plan = make_plan(spec, WorldConfig(), seed=9)
    r = rasterize(plan, 0, 17, 128, 128)
    assert r.shape == (len(RASTER_CHANNELS), 9, 16, 16)
    assert (r[0] == 1).all()
    red = RASTER_CHANNELS.index("colour:red")
    blue = RASTER_CHANNELS.index("colour:blue")
    disc = math.pi * (31 / 16) ** 2  # a big object's bounding disc in latent cells
    assert r[red, 0].sum() == pytest.approx(disc, rel=0.1)
    assert r[blue, 0].sum() == pytest.approx(2 * disc, rel=0.1)
    v, u = np.mgrid[0:16, 0:16] + 0.5
    m = r[red, 0]
    assert (m * u).sum() / m.sum() == pytest.approx(plan.objects[0].x[0] / 8, abs=0.3)  # centred on the object
    assert (m * v).sum() / m.sum() == pytest.approx(plan.objects[0].y[0] / 8, abs=0.3)
    assert not rasterize(None, 0, 17, 128, 128).any()
    with pytest.raises(ValueError, match="outside the plan"):
        rasterize(plan, 10, 17, 128, 128)
