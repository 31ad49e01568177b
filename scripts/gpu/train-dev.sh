#!/usr/bin/env bash
# Trains the development model's nets on one CUDA GPU, in $RUN:
#   1. the tiny and the base autoencoder side by side (VAE_MIN minutes each);
#   2. the tiny DiT on each of them, side by side (DIT_MIN minutes each);
#   3. the tiny autoencoder's decoder fine-tuned on the DiT's frozen latent
#      space (FT_MIN minutes; export --decoder ships it).
# Each run is first timed for a few steps (the probes run side by side too, so
# they see the same contention), and its --steps is set so that the cosine
# schedule ends inside the time given; --minutes is only a safety stop.
# Start it detached (setsid) and collect results with scripts/gpu/snapshot.py.
set -uo pipefail
cd "$(dirname "$0")/../.."
RUN=${RUN:-/tmp/st}
VAE_MIN=${VAE_MIN:-7.5}
DIT_MIN=${DIT_MIN:-12}
FT_MIN=${FT_MIN:-2.6}
BATCH=${BATCH:-64}
POOL=${POOL:-65536}
DEVICE=${DEVICE:-cuda}
export PYTHONPATH=$PWD/model PYTHONUNBUFFERED=1
PY=${PY:-python3}
mkdir -p "$RUN"
echo $$ > "$RUN/pid"  # for scripts/gpu/wait.sh

train() { "$PY" -m spacetime.train --device "$DEVICE" "$@"; }

# steps_for LOG MINUTES: optimizer steps that fit in MINUTES at the probe's speed.
steps_for() {
  "$PY" - "$1" "$2" <<'PY'
import json, sys
speeds = [json.loads(l)["s_per_step"] for l in open(sys.argv[1]) if '"s_per_step"' in l]
print(max(20, int(float(sys.argv[2]) * 60 / speeds[-1] * 0.95)))
PY
}

# stage_args STAGE PRESET: the arguments of one run, one per line. The tiny
# DiT trains on each autoencoder (base's decoder costs the app more time).
stage_args() {
  if [ "$1" = vae ]; then
    printf '%s\n' --stage vae --preset "$2" --batch "$BATCH" --vae-frames 5 --vae-crop 64 --lr 2e-3 --warmup 200
  else
    printf '%s\n' --stage dit --preset tiny --vae "$RUN/vae-$2/last.pt" --batch "$BATCH" --lr 8e-4 --warmup 500
  fi
}

# side_by_side STAGE MINUTES EXTRA_PROBE_ARGS EXTRA_RUN_ARGS: probes STAGE for
# both presets at once, then trains both at once for about MINUTES.
side_by_side() {
  local stage=$1 minutes=$2 p n args
  echo "== $stage probes $(date +%T)"
  for p in tiny base; do
    mapfile -t args < <(stage_args "$stage" $p)
    train "${args[@]}" $3 --steps 60 --log-every 20 --out "$RUN/probe-$stage-$p" > "$RUN/probe-$stage-$p.out" 2>&1 &
  done
  wait
  echo "== $stage runs $(date +%T)"
  for p in tiny base; do
    n=$(steps_for "$RUN/probe-$stage-$p/log.jsonl" "$minutes") || { echo "probe $stage-$p failed"; tail "$RUN/probe-$stage-$p.out"; exit 1; }
    echo "$stage-$p: $n steps"
    mapfile -t args < <(stage_args "$stage" $p)
    train "${args[@]}" $4 --steps "$n" --minutes "$("$PY" -c "print($minutes + 2)")" --save-every 1000 --log-every 100 \
      --out "$RUN/$stage-$p" > "$RUN/$stage-$p.out" 2>&1 &
  done
  wait
}

side_by_side vae "$VAE_MIN" "" "--eval-every 1000"
side_by_side dit "$DIT_MIN" "--latent-pool ${PROBE_POOL:-1024}" "--latent-pool $POOL --eval-every 2000"
echo "== decoder fine-tune $(date +%T)"
train --stage vae --finetune-decoder "$RUN/dit-tiny/last.pt" --batch "$BATCH" --vae-frames 5 --vae-crop 64 \
  --lr 5e-4 --warmup 100 --steps 2400 --minutes "$FT_MIN" --log-every 200 --eval-every 800 \
  --out "$RUN/decoder-tiny" > "$RUN/decoder-tiny.out" 2>&1
echo "== done $(date +%T)"
