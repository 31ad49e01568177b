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
from spacetime.export import export, validate_manifest

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
    assert manifest["defaults"] == {"steps": 12, "guidance": 3.5}
    assert manifest["scheduler"]["type"] == "flow-match-euler" and manifest["scheduler"]["shift"] > 0
    assert manifest["configs"]["dit"]["depth"] == 6  # the preset travels with the export
    assert len(manifest["preview"]["latent_to_rgb"]) == 16 and len(manifest["preview"]["bias"]) == 3
    assert manifest["model_id"].startswith("spacetime-tiny-")


def test_onnx_outputs_match_pytorch(model_dir):
    proc = subprocess.run(["node", str(REPO / "scripts" / "onnx-parity.mjs"), str(model_dir)],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    errors = json.loads(proc.stdout)
    assert set(errors) == {"text_encoder.text_states", "dit.velocity", "vae_decoder.video"}
    assert all(e <= 1e-4 for e in errors.values()), errors


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
    """onnx_import recovers every exported weight exactly, renamed MatMul
    weights and reshaped norms included; the encoder, which no model
    directory ships, is marked untrained."""
    import torch

    from spacetime.onnx_import import checkpoint_from_model_dir

    original = load_checkpoint(checkpoints / "dit" / "last.pt")
    imported = checkpoint_from_model_dir(model_dir)
    assert imported["encoder_trained"] is False
    assert imported["configs"]["dit"]["plan_channels"] == original["configs"]["dit"]["plan_channels"] > 0
    for name, value in original["ema"]["t2v"].items():
        assert torch.equal(imported["ema"]["t2v"][name], value), name
    for name, value in original["model"]["vae"].items():
        if not name.startswith("encoder."):
            assert torch.equal(imported["ema"]["vae"][name], value), name


def test_export_with_int8_writes_both_graphs_and_the_sampling_defaults(checkpoints, tmp_path):
    from spacetime.export import FAST_SAMPLING
    manifest = export(checkpoints / "dit" / "last.pt", tmp_path / "m", int8=True, sampling=FAST_SAMPLING)
    assert validate_manifest(tmp_path / "m")["files"]["dit_int8"]["path"] == "dit.int8.onnx"
    assert manifest["defaults"] == {**FAST_SAMPLING, "steps": 20, "guidance": 2.0}
    with pytest.raises(ValueError, match="int8"):
        export(checkpoints / "dit" / "last.pt", tmp_path / "n", sampling=FAST_SAMPLING)
