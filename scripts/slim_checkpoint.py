"""Writes the committed copy of a training checkpoint (EMA weights in fp16, no
optimizer: spacetime.checkpoint.slim_checkpoint), under the 16 MB a tracked
file may take. --autoencoder-from NAME leaves a DiT's frozen autoencoder out
and points at the checkpoint NAME beside OUT that holds the same one.
--weights-from NAME stores the EMA as int8 differences from NAME, the
checkpoint beside OUT it was fine-tuned from, at about half the size.

    scripts/py scripts/slim_checkpoint.py model/runs/distill/last.pt \\
        model/checkpoints/plan-tiny-distilled.pt --autoencoder-from plan-tiny.pt
    scripts/py scripts/slim_checkpoint.py model/runs/camera/last.pt \
        model/checkpoints/plan-camera.pt --autoencoder-from plan-tiny.pt --weights-from plan-tiny.pt
"""
import argparse
from pathlib import Path

from spacetime.checkpoint import delta_checkpoint, load_checkpoint, save_checkpoint, slim_checkpoint


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--autoencoder-from", metavar="NAME",
                   help="a checkpoint in OUT's folder that holds this DiT's autoencoder")
    p.add_argument("--weights-from", metavar="NAME",
                   help="a checkpoint in OUT's folder this one was fine-tuned from: store the difference")
    args = p.parse_args(argv)
    slim = slim_checkpoint(load_checkpoint(args.checkpoint), args.autoencoder_from)
    if args.weights_from is not None:
        slim = delta_checkpoint(slim, load_checkpoint(args.out.parent / args.weights_from), args.weights_from)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(args.out, slim)
    load_checkpoint(args.out)  # its autoencoder resolves and matches, or this fails now
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
