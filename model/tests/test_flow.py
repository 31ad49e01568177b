"""Schedule math, with golden values that the TypeScript port is tested
against (the same cases live in fixtures/flow_euler.json; regenerate it with
`scripts/py model/tests/test_flow.py` after a deliberate change)."""
import json
import math
from pathlib import Path

import pytest
import torch

from spacetime import flow

FIXTURE = Path(__file__).parent / "fixtures" / "flow_euler.json"


def golden_cases() -> dict:
    """Scheduler runs on a fixed sample with a fixed fake model, recorded step by step."""
    cases = []
    for shift, steps in ((1.0, 4), (3.0, 4), (3.0, 10), (2.0, 1)):
        sched = flow.FlowMatchEulerScheduler(shift)
        sched.set_timesteps(steps)
        x = torch.tensor([1.0, -0.5, 0.25, 2.0])
        trajectory = [x.tolist()]
        for t in sched.timesteps:
            # A fake "model" whose velocity depends on t and x, so that the
            # order of operations matters and the test can catch it.
            v = x * float(t) - 0.5
            x = sched.step(v, t, x)
            trajectory.append(x.tolist())
        cases.append({
            "shift": shift,
            "steps": steps,
            "sigmas": sched.sigmas.tolist(),
            "timesteps": sched.timesteps.tolist(),
            "velocity": "v = x * t - 0.5",
            "trajectory": trajectory,
        })
    shifts = [{"t": t, "shift": s, "shifted": float(flow.shift_timesteps(torch.tensor(t, dtype=torch.float64), s))}
              for t in (0.0, 0.1, 0.5, 0.9, 1.0) for s in (1.0, 3.0)]
    return {"convention": "x_t = (1 - t) x0 + t noise; v = noise - x0; x_next = x + (sigma_next - sigma) v",
            "euler": cases, "shift": shifts}


def test_sigmas_hand_computed():
    sched = flow.FlowMatchEulerScheduler(shift=3.0)
    sched.set_timesteps(4)
    # uniform 1, .75, .5, .25 -> 3t / (1 + 2t) -> 1, .9, .75, .5; then terminal 0.
    assert sched.sigmas.tolist() == pytest.approx([1.0, 0.9, 0.75, 0.5, 0.0], abs=1e-7)
    assert len(sched.timesteps) == 4


def test_euler_step_hand_computed():
    sched = flow.FlowMatchEulerScheduler()
    sched.set_timesteps(2)  # sigmas 1, .5, 0
    x = torch.tensor([2.0])
    x = sched.step(torch.tensor([1.0]), sched.timesteps[0], x)
    assert x.item() == pytest.approx(1.5)
    x = sched.step(torch.tensor([4.0]), sched.timesteps[1], x)
    assert x.item() == pytest.approx(-0.5)


def test_exact_velocity_recovers_x0():
    """With the true velocity the straight path is integrated exactly."""
    x0, noise = torch.randn(3, 5), torch.randn(3, 5)
    sched = flow.FlowMatchEulerScheduler(shift=3.0)
    sched.set_timesteps(7)
    x = noise
    for t in sched.timesteps:
        x = sched.step(flow.velocity_target(x0, noise), t, x)
    assert torch.allclose(x, x0, atol=1e-5)


def test_interpolation_and_target():
    x0, noise = torch.zeros(2, 3), torch.ones(2, 3)
    xt = flow.interpolate(x0, noise, torch.tensor([0.0, 0.25]))
    assert xt[0].tolist() == [0, 0, 0] and xt[1].tolist() == [0.25] * 3
    assert flow.velocity_target(x0, noise).eq(1).all()


def test_shift_and_timestep_sampling():
    t = torch.tensor([0.0, 0.5, 1.0])
    assert flow.shift_timesteps(t, 3.0).tolist() == pytest.approx([0.0, 0.75, 1.0])
    assert flow.resolution_shift(9, 16, 16) == pytest.approx(3.0)
    g = torch.Generator().manual_seed(0)
    s = flow.sample_timesteps(10000, generator=g)
    assert 0 < s.min() and s.max() < 1 and abs(s.mean().item() - 0.5) < 0.01
    assert flow.sample_timesteps(10000, shift=3.0, generator=g).mean() > 0.6


def test_scheduler_refuses_misuse():
    sched = flow.FlowMatchEulerScheduler()
    x = torch.zeros(2)
    with pytest.raises(RuntimeError, match="set_timesteps"):
        sched.step(x, 1.0, x)
    with pytest.raises(ValueError, match="positive"):
        sched.set_timesteps(0)
    with pytest.raises(ValueError, match="positive"):
        flow.FlowMatchEulerScheduler(shift=0)
    sched.set_timesteps(2)
    with pytest.raises(ValueError, match="in order"):
        sched.step(x, 0.5, x)  # skipped timesteps[0] = 1.0
    with pytest.raises(ValueError, match="shape"):
        sched.step(torch.zeros(3), 1.0, x)
    sched.step(x, 1.0, x)
    sched.step(x, 0.5, x)
    with pytest.raises(RuntimeError, match="all 2 steps"):
        sched.step(x, 0.0, x)


def test_fixture_matches_implementation():
    stored = json.loads(FIXTURE.read_text())
    now = golden_cases()
    assert stored["convention"] == now["convention"]
    for a, b in zip(stored["euler"], now["euler"], strict=True):
        assert a["sigmas"] == pytest.approx(b["sigmas"], abs=1e-7)
        for xa, xb in zip(a["trajectory"], b["trajectory"], strict=True):
            assert xa == pytest.approx(xb, rel=1e-6, abs=1e-6)
    for a, b in zip(stored["shift"], now["shift"], strict=True):
        assert math.isclose(a["shifted"], b["shifted"], rel_tol=1e-12)


if __name__ == "__main__":
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps(golden_cases(), indent=1) + "\n")
    print(f"wrote {FIXTURE}")
