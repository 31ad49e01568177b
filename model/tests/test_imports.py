"""Inference never imports training: the sampler, the exporter and the ONNX
importer load checkpoints through checkpoint.py, so a change to the training
loop, its data or its losses cannot break them."""
import subprocess
import sys
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parents[1]
INFERENCE = ["spacetime.checkpoint", "spacetime.pipeline", "spacetime.export", "spacetime.onnx_import"]
TRAINING = ["spacetime.train", "spacetime.losses", "spacetime.data"]


def test_inference_imports_nothing_of_training():
    # A fresh interpreter: this one has imported training for other tests.
    code = (
        "import importlib, sys\n"
        f"for name in {INFERENCE!r}:\n"
        "    importlib.import_module(name)\n"
        f"    pulled = [m for m in {TRAINING!r} if m in sys.modules]\n"
        "    if pulled:\n"
        "        sys.exit(f'{name} imports {pulled}')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=MODEL_DIR, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
