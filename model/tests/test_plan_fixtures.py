"""The fixtures that prove lib/plan/ (the TypeScript planner) agrees with
this package: they are what spacetime.plan_fixtures writes today, and they
cover what the planner must reproduce. Regenerate with
    scripts/py -m spacetime.plan_fixtures"""
import json

import pytest

from spacetime import plan, plan_fixtures
from spacetime.world import vocab

OUTPUTS = plan_fixtures.outputs()


def _as_json(data):
    """What a committed file holds after the round trip (tuples are lists)."""
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("path", list(OUTPUTS), ids=lambda p: p.name)
def test_committed_file_is_what_the_code_writes(path):
    assert path.exists(), f"{path} is missing: run scripts/py -m spacetime.plan_fixtures"
    assert plan_fixtures.read(path) == _as_json(OUTPUTS[path]), \
        f"{path.name} is stale: run scripts/py -m spacetime.plan_fixtures"


def test_the_apps_vocabulary_is_the_worlds():
    table = plan_fixtures.read(plan_fixtures.VOCAB_JSON)
    assert table["objects"] == list(vocab.OBJECTS)
    assert table["colours"] == list(vocab.COLOUR_NAMES)
    assert table["sizes"] == list(vocab.SIZES) and table["size_pixels"] == vocab.SIZE_PIXELS
    assert table["motions"] == list(vocab.MOTIONS)
    assert table["scenes"] == list(vocab.SCENES)
    assert table["relations"] == list(vocab.RELATIONS)
    assert table["raster_channels"] == list(plan.RASTER_CHANNELS)


def test_layout_fixtures_cover_the_planner():
    cases = OUTPUTS[plan_fixtures.FIXTURES / "plan_layouts.json.gz"]["cases"]
    laid = [c for c in cases if "plan" in c]
    assert len(laid) >= 40
    motions = {s["motion"] for c in laid for s in c["spec"]["subjects"]}
    assert motions == set(vocab.MOTIONS)
    assert {len(c["plan"]["objects"]) for c in laid} == {1, 2, 3}
    assert {c["spec"]["relation"] for c in laid} == {None, *vocab.RELATIONS}
    assert {(c["width"], c["height"]) for c in laid} >= {(128, 128), (256, 144), (144, 256)}
    assert {c["frames"] for c in laid} >= {17, 49, 481} and {c["fps"] for c in laid} == {8, 24}
    assert any("error" in c for c in cases), "a spec the world refuses to lay out"
    for c in laid:  # each plan is what make_plan gives and passes the contract
        again = plan.ScenePlan.from_dict(c["plan"])
        assert again.to_dict() == c["plan"]
        assert all(len(o["track"]["x"]) == c["frames"] for o in c["plan"]["objects"])


def test_raster_fixtures_keep_small_rasters_whole():
    rasters = OUTPUTS[plan_fixtures.FIXTURES / "plan_rasters.json"]
    assert rasters["channels"] == list(plan.RASTER_CHANNELS)
    assert any("float32_le_base64" in c for c in rasters["cases"])
    assert any(c["start"] > 0 for c in rasters["cases"])
    for c in rasters["cases"]:
        assert len(c["sums"]) == len(plan.RASTER_CHANNELS) and c["samples"]
