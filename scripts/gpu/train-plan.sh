#!/usr/bin/env bash
# Fine-tunes the plan-following DiT on one CUDA GPU, in $RUN, from the
# checkpoint the CPU sessions commit (model/checkpoints/plan-tiny.pt: text
# encoder, DiT with its plan path, and the autoencoder it was trained on).
# Fits the 15 device minutes of a session: data on the GPU (no latent pool:
# fresh clips every step, windows of minute-long plans among them), a short
# timing probe, then a run whose cosine schedule ends in DIT_MIN minutes.
# Beside the DiT, on the same GPU, the 24 fps decoder (train_finer.py, from
# model/checkpoints/finer-trunk.pt) trains for the same minutes: the tiny DiT
# leaves most of the chip idle. FINER_MIN=0 skips it.
# Start it detached (setsid), wait with scripts/gpu/wait.sh, then bring the
# run back with scripts/gpu/snapshot.py; export with `npm run export`.
set -uo pipefail
cd "$(dirname "$0")/../.."
RUN=${RUN:-/tmp/st-plan}
INIT=${INIT:-model/checkpoints/plan-tiny.pt}
DIT_MIN=${DIT_MIN:-9}
BATCH=${BATCH:-64}
DEVICE=${DEVICE:-cuda}
ASPECTS=${ASPECTS:-1:1,16:9,9:16}  # size buckets, one per step (issue 16)
CAMERA=${CAMERA:-0.35}  # share of clips filmed by a moving camera (issue 18)
FINER_INIT=${FINER_INIT:-model/checkpoints/finer-trunk.pt}
FINER_MIN=${FINER_MIN:-$DIT_MIN}
FINER_POOL=${FINER_POOL:-1024}  # clips rendered at 256 px / 24 fps onto the GPU
export PYTHONPATH=$PWD/model PYTHONUNBUFFERED=1
PY=${PY:-python3}
mkdir -p "$RUN"
echo $$ > "$RUN/pid"  # for scripts/gpu/wait.sh

args=(--stage dit --init "$INIT" --vae "$INIT" --device "$DEVICE" --batch "$BATCH" --lr 3e-4 --warmup 200
      --long-clips 0.3 --plan-dropout 0.35 --camera "$CAMERA" --aspects "$ASPECTS")
echo "== probe $(date +%T)"
"$PY" -m spacetime.train "${args[@]}" --steps 40 --log-every 20 --out "$RUN/probe" > "$RUN/probe.out" 2>&1 \
  || { tail "$RUN/probe.out"; exit 1; }
n=$("$PY" - "$RUN/probe/log.jsonl" "$DIT_MIN" <<'PY'
import json, sys
speeds = [json.loads(l)["s_per_step"] for l in open(sys.argv[1]) if '"s_per_step"' in l]
print(max(20, int(float(sys.argv[2]) * 60 / speeds[-1] * 0.95)))
PY
)
if [ "$FINER_MIN" != 0 ]; then
  finer=(--checkpoint "$INIT" --device "$DEVICE" --batch 32 --lr 1e-3 --eval-clips 8)
  "$PY" -m spacetime.train_finer "${finer[@]}" --pool 32 --steps 20 --log-every 10 --out "$RUN/probe-finer" \
    > "$RUN/probe-finer.out" 2>&1 || { tail "$RUN/probe-finer.out"; exit 1; }
  # --steps counts from the committed run's own step.
  m=$("$PY" - "$RUN/probe-finer/log.jsonl" "$FINER_MIN" "$FINER_INIT" <<'PY'
import json, sys
import torch
speeds = [json.loads(l)["s_per_step"] for l in open(sys.argv[1]) if '"s_per_step"' in l]
done = torch.load(sys.argv[3], map_location="cpu", weights_only=False)["step"]
print(done + max(20, int(float(sys.argv[2]) * 60 / speeds[-1] * 0.8)))  # 0.8: the DiT runs beside it
PY
)
  echo "== finer: to step $m beside the DiT $(date +%T)"
  "$PY" -m spacetime.train_finer "${finer[@]}" --resume "$FINER_INIT" --pool "$FINER_POOL" --steps "$m" \
    --minutes "$FINER_MIN" --save-every 500 --log-every 100 --out "$RUN/finer" > "$RUN/finer.out" 2>&1 &
fi
echo "== run: $n steps $(date +%T)"
"$PY" -m spacetime.train "${args[@]}" --steps "$n" --minutes "$("$PY" -c "print($DIT_MIN + 1)")" --save-every 1000 \
  --log-every 100 --eval-every 1000 --out "$RUN/dit-plan" > "$RUN/dit-plan.out" 2>&1
wait  # the finer decoder
echo "== done $(date +%T)"
