"""Export: valid ONNX with the contract's names, outputs equal to PyTorch's
through onnxruntime, a manifest whose hashes catch a corrupt file."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from spacetime import train
from spacetime.checkpoint import load_checkpoint
from spacetime.export import export, round_to_half, validate_manifest

REPO = Path(__file__).resolve().parents[2]
SMALL = ["--preset", "tiny", "--frames", "5", "--height", "64", "--width", "64", "--batch", "2", "--steps", "2",
         "--threads", "1", "--log-every", "1"]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    train.main(["--stage", "vae", "--out", str(root / "vae"), *SMALL])
    train.main(["--stage", "dit", "--vae", str(root / "vae" / "last.pt"), "--out", str(root / "dit"), *SMALL])
    return root


@pytest.fixture(scope="module")
def model_dir(checkpoints, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "model"
    export(checkpoints / "dit" / "last.pt", out, steps=12, guidance=3.5)
    return out


def test_manifest_describes_the_model(model_dir):
    manifest = validate_manifest(model_dir)
    assert manifest["preset"] == "tiny"
    assert manifest["video"] == {"frames": 5, "height": 64, "width": 64, "fps": 8}
    assert manifest["latent"] == {"channels": 16, "frames": 3, "height": 8, "width": 8}
    assert manifest["defaults"] == {"steps": 12, "guidance": 3.5, "fps": 8, "aspect": "1:1"}
    assert manifest["scheduler"]["type"] == "flow-match-euler" and manifest["scheduler"]["shift"] > 0
    assert manifest["configs"]["dit"]["depth"] == 6  # the preset travels with the export
    assert len(manifest["preview"]["latent_to_rgb"]) == 16 and len(manifest["preview"]["bias"]) == 3
    assert manifest["model_id"].startswith("spacetime-tiny-")


def test_onnx_outputs_match_pytorch(model_dir):
    proc = subprocess.run(["node", str(REPO / "scripts" / "onnx-parity.mjs"), str(model_dir)],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    errors = json.loads(proc.stdout)
    assert set(errors) == {"text_encoder.text_states", "dit.velocity", "dit.velocity@2", "vae_decoder.video"}
    assert_parity(errors)


def assert_parity(errors: dict[str, float]) -> None:
    """onnx-parity.mjs's errors within the contract: relative error 1e-4, and the decoders'
    uint8 frames at most 1 apart (a value on a rounding boundary may land either side)."""
    for key, error in errors.items():
        assert error <= (1 if key.split("@")[0].endswith(".video") else 1e-4), (key, errors)


def test_a_corrupt_file_fails_validation(model_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(model_dir, copy)
    with (copy / "dit.onnx").open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(ValueError, match="dit.onnx does not match its SHA-256"):
        validate_manifest(copy)


def test_export_refuses_an_autoencoder_checkpoint(checkpoints, tmp_path):
    with pytest.raises(ValueError, match="needs a dit checkpoint"):
        export(checkpoints / "vae" / "last.pt", tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_export_ships_a_finetuned_decoder(checkpoints, model_dir, tmp_path):
    train.main(["--stage", "vae", "--finetune-decoder", str(checkpoints / "dit" / "last.pt"),
                "--out", str(tmp_path / "ft"), *SMALL])
    manifest = export(checkpoints / "dit" / "last.pt", tmp_path / "m", steps=12, guidance=3.5,
                      decoder=tmp_path / "ft" / "last.pt")
    plain = validate_manifest(model_dir)
    assert manifest["files"]["dit"]["sha256"] == plain["files"]["dit"]["sha256"]
    assert manifest["files"]["vae_decoder"]["sha256"] != plain["files"]["vae_decoder"]["sha256"]
    assert manifest["model_id"] != plain["model_id"]  # another decoder is another model
    assert manifest["training"]["decoder_finetune_steps"] == 2


def test_export_refuses_a_decoder_from_another_autoencoder(checkpoints, tmp_path):
    train.main(["--stage", "vae", "--out", str(tmp_path / "other"), "--seed", "7", *SMALL])
    with pytest.raises(ValueError, match="not fine-tuned"):
        export(checkpoints / "dit" / "last.pt", tmp_path / "m", decoder=tmp_path / "other" / "last.pt")
    assert not (tmp_path / "m").exists()


def test_weights_come_back_from_the_model_directory(checkpoints, model_dir):
    """onnx_import recovers every exported weight exactly (as the fp16 value
    the export rounds it to), renamed MatMul weights and reshaped norms
    included; the encoder, which no model directory ships, is marked untrained."""
    import torch

    from spacetime.onnx_import import checkpoint_from_model_dir

    original = load_checkpoint(checkpoints / "dit" / "last.pt")
    imported = checkpoint_from_model_dir(model_dir)
    assert imported["encoder_trained"] is False
    assert imported["configs"]["dit"]["plan_channels"] == original["configs"]["dit"]["plan_channels"] > 0
    for name, value in original["ema"]["t2v"].items():
        assert torch.equal(imported["ema"]["t2v"][name], value.half().float()), name
    for name, value in original["model"]["vae"].items():
        if not name.startswith("encoder."):
            rounded = value if name in ("latent_mean", "latent_std") else value.half().float()  # buffers stay
            assert torch.equal(imported["ema"]["vae"][name], rounded), name


def test_export_with_int8_writes_both_graphs_and_the_sampling_defaults(checkpoints, tmp_path):
    from spacetime.export import SAMPLING
    int8 = {**SAMPLING, "precision": "int8", "plan_guidance": "camera"}  # its DiT reads the camera's channels
    manifest = export(checkpoints / "dit" / "last.pt", tmp_path / "m", int8=True, steps=SAMPLING["steps"], sampling=int8)
    assert validate_manifest(tmp_path / "m")["files"]["dit_int8"]["path"] == "dit.int8.onnx"
    assert manifest["defaults"] == {**int8, "guidance": 2.0, "fps": 8, "aspect": "1:1"}
    with pytest.raises(ValueError, match="int8"):
        export(checkpoints / "dit" / "last.pt", tmp_path / "n", sampling=int8)


def test_export_writes_the_finer_decoder_and_the_aspects(checkpoints, model_dir, tmp_path):
    """--finer adds the 24 fps decoder (parity at a landscape latent, so its
    size is dynamic); the DiT graph runs at every aspect's latent size."""
    import numpy as np
    import torch

    from spacetime import train_finer
    from spacetime.checkpoint import load_text_to_video

    train_finer.main(["--checkpoint", str(checkpoints / "dit" / "last.pt"), "--out", str(tmp_path / "f"),
                      "--steps", "2", "--pool", "3", "--crop", "4", "--batch", "1", "--threads", "1",
                      "--eval-clips", "2"])
    out = tmp_path / "m"
    manifest = export(checkpoints / "dit" / "last.pt", out, finer=tmp_path / "f" / "last.pt")
    assert validate_manifest(out)["files"]["vae_decoder_24"]["path"] == "vae_decoder_24.onnx"
    assert manifest["outputs"] == {"8": {"file": "vae_decoder", "scale": 1, "frames_per_latent": 2},
                                   "24": {"file": "vae_decoder_24", "scale": 2, "frames_per_latent": 6}}
    assert manifest["aspects"] == {"1:1": {"width": 64, "height": 64}, "16:9": {"width": 112, "height": 64},
                                   "9:16": {"width": 64, "height": 112}}
    assert manifest["defaults"]["fps"] == 24 and manifest["defaults"]["aspect"] == "1:1"
    assert validate_manifest(model_dir)["defaults"]["fps"] == 8  # no finer decoder: 8 fps only

    # Golden cases for the DiT at 16:9 and 9:16, run through onnxruntime by onnx-parity.mjs.
    model, _ = load_text_to_video(load_checkpoint(checkpoints / "dit" / "last.pt"))
    round_to_half(model)  # the weights the graphs hold
    golden = json.loads((out / "golden.json").read_text())
    dit_case = next(c for c in golden["cases"] if c["part"] == "dit")
    g = torch.Generator().manual_seed(3)
    for name in ("16:9", "9:16"):
        h, w = manifest["aspects"][name]["height"] // 8, manifest["aspects"][name]["width"] // 8
        feeds = {}
        for key, spec in dit_case["inputs"].items():
            shape = list(spec["shape"])
            if key in ("latent", "context", "plan"):
                shape[3:5] = [h, w]
            dtype = {"float32": torch.float32, "bool": torch.bool}[spec["dtype"]]
            if key in ("latent", "context"):
                value = torch.randn(shape, generator=g)
            else:
                raw = np.fromfile(out / spec["file"], dtype={"float32": np.float32, "bool": np.bool_}[spec["dtype"]])
                value = torch.from_numpy(raw.reshape(spec["shape"])).to(dtype)
                if key == "plan":
                    value = torch.zeros(shape)
            tag = f"wide{name.replace(':', '_')}_{key}"
            value.numpy().tofile(out / "golden" / f"{tag}.bin")
            feeds[key] = {"file": f"golden/{tag}.bin", "dtype": spec["dtype"], "shape": shape}
        args = [torch.from_numpy(np.fromfile(out / f["file"], dtype={"float32": np.float32, "bool": np.bool_}[
            f["dtype"]]).reshape(f["shape"])) for f in feeds.values()]
        with torch.no_grad():
            velocity = model.dit(*args[:6], plan=args[6] if len(args) > 6 else None)
        velocity.numpy().tofile(out / "golden" / f"wide{name.replace(':', '_')}_velocity.bin")
        golden["cases"] = [c for c in golden["cases"] if c["part"] != "dit"] + [
            {"part": "dit", "inputs": feeds, "outputs": {"velocity": {
                "file": f"golden/wide{name.replace(':', '_')}_velocity.bin", "dtype": "float32",
                "shape": list(velocity.shape)}}}]
        (out / "golden.json").write_text(json.dumps(golden))
        proc = subprocess.run(["node", str(REPO / "scripts" / "onnx-parity.mjs"), str(out)],
                              capture_output=True, text=True, timeout=300, cwd=REPO)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        errors = json.loads(proc.stdout)
        assert set(errors) >= {"dit.velocity", "vae_decoder_24.video"}, errors
    assert_parity(errors)


def test_a_guidance_distilled_checkpoint_exports_with_guidance_1(checkpoints, tmp_path):
    """Its teacher's guidance is built in: one DiT row per step by default, and
    the manifest says from what guidance it was distilled. A slim copy that
    borrows its autoencoder exports the same graphs."""
    from spacetime.checkpoint import save_checkpoint, slim_checkpoint
    dit = checkpoints / "dit" / "last.pt"
    train.main(["--stage", "dit", "--init", str(dit), "--vae", str(dit), "--teacher", str(dit),
                "--distill-guidance", "2.5", "--out", str(tmp_path / "student"), *SMALL])
    student = tmp_path / "student" / "last.pt"
    manifest = export(student, tmp_path / "m")
    assert manifest["defaults"]["guidance"] == 1.0 and manifest["training"]["distilled_guidance"] == 2.5
    assert manifest["training"]["teacher"] == str(dit)
    assert export(student, tmp_path / "g", guidance=2.0)["defaults"]["guidance"] == 2.0  # asked for, it is kept

    save_checkpoint(tmp_path / "base.pt", slim_checkpoint(load_checkpoint(dit)))
    save_checkpoint(tmp_path / "slim.pt", slim_checkpoint(load_checkpoint(student), autoencoder_from="base.pt"))
    slim = export(tmp_path / "slim.pt", tmp_path / "s")
    assert slim["files"]["vae_decoder"]["sha256"] == manifest["files"]["vae_decoder"]["sha256"]
    assert slim["defaults"] == manifest["defaults"]
