"""Packs what a GPU training run has so far into at most four pieces of 15 MiB
under OUT (the device tool brings back 8 files of 16 MiB, 64 MiB in all):
every run's log and .out, and a slim copy of each last.pt (an autoencoder's
only until its DiT has one) (EMA weights in
fp16, no optimizer: enough to export and evaluate, not to resume).

    python3 scripts/gpu/snapshot.py RUN_DIR OUT_DIR
Join and unpack here with: cat OUT/snapshot.tar.part* | tar -x -C DEST
"""
import io
import sys
import tarfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "model"))
from spacetime.checkpoint import slim_checkpoint  # noqa: E402

PIECE = 15 * 2**20
MAX_PIECES = 4


def main(run: Path, out: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for f in sorted(run.glob("*.out")) + sorted(run.glob("*.log")) + sorted(run.glob("*/log.jsonl")):
            tar.add(f, arcname=str(f.relative_to(run)))
        for ck in sorted(run.glob("*/last.pt")):
            name = ck.parent.name
            # Probes are throwaway; an autoencoder travels inside its DiT's checkpoint once there is one.
            if name.startswith("probe") or (name.startswith("vae-") and (run / f"dit-{name[4:]}/last.pt").exists()):
                continue
            data = io.BytesIO()
            torch.save(slim_checkpoint(torch.load(ck, map_location="cpu", weights_only=False)), data)
            info = tarfile.TarInfo(f"{ck.parent.name}/slim.pt")
            info.size = data.tell()
            data.seek(0)
            tar.addfile(info, data)
    blob = buf.getvalue()
    pieces = [blob[i:i + PIECE] for i in range(0, len(blob), PIECE)]
    if len(pieces) > MAX_PIECES:
        sys.exit(f"snapshot is {len(blob) / 2**20:.1f} MiB, over {MAX_PIECES} pieces")
    out.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(pieces):
        (out / f"snapshot.tar.part{i}").write_bytes(p)
    print(f"snapshot: {len(blob) / 2**20:.1f} MiB in {len(pieces)} pieces")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
