#!/usr/bin/env bash
# Trains the development model's nets on one CUDA GPU, in $RUN:
#   1. the tiny and the base autoencoder side by side (VAE_MIN minutes each);
#   2. the tiny DiT on each of them, side by side (DIT_MIN minutes each).
# Each run is first timed for a few steps (the probes run side by side too, so
# they see the same contention), and its --steps is set so that the cosine
# schedule ends inside the time given; --minutes is only a safety stop.
# Start it detached (setsid) and collect results with scripts/gpu/snapshot.py.
set -uo pipefail
cd "$(dirname "$0")/../.."
RUN=${RUN:-/tmp/st}
VAE_MIN=${VAE_MIN:-6.5}
DIT_MIN=${DIT_MIN:-12}
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

VAE_ARGS=(--stage vae --batch "$BATCH" --vae-frames 5 --vae-crop 64 --lr 2e-3 --warmup 200)
DIT_ARGS=(--stage dit --preset tiny --batch "$BATCH" --lr 8e-4 --warmup 500)

echo "== vae probes $(date +%T)"
for p in tiny base; do
  train "${VAE_ARGS[@]}" --preset $p --steps 60 --log-every 20 --out "$RUN/probe-vae-$p" > "$RUN/probe-vae-$p.out" 2>&1 &
done
wait
echo "== vae runs $(date +%T)"
for p in tiny base; do
  n=$(steps_for "$RUN/probe-vae-$p/log.jsonl" "$VAE_MIN") || { echo "probe vae-$p failed"; tail "$RUN/probe-vae-$p.out"; exit 1; }
  echo "vae-$p: $n steps"
  train "${VAE_ARGS[@]}" --preset $p --steps "$n" --minutes "$("$PY" -c "print($VAE_MIN + 1)")" \
    --eval-every 1000 --save-every 1000 --log-every 100 --out "$RUN/vae-$p" > "$RUN/vae-$p.out" 2>&1 &
done
wait
echo "== dit probes $(date +%T)"
for p in tiny base; do
  train "${DIT_ARGS[@]}" --vae "$RUN/vae-$p/last.pt" --latent-pool "${PROBE_POOL:-1024}" --steps 60 --log-every 20 \
    --out "$RUN/probe-dit-$p" > "$RUN/probe-dit-$p.out" 2>&1 &
done
wait
echo "== dit runs $(date +%T)"
for p in tiny base; do
  n=$(steps_for "$RUN/probe-dit-$p/log.jsonl" "$DIT_MIN") || { echo "probe dit-$p failed"; tail "$RUN/probe-dit-$p.out"; exit 1; }
  echo "dit-$p: $n steps"
  train "${DIT_ARGS[@]}" --vae "$RUN/vae-$p/last.pt" --latent-pool "$POOL" --steps "$n" \
    --minutes "$("$PY" -c "print($DIT_MIN + 2)")" --eval-every 2000 --save-every 1000 --log-every 100 \
    --out "$RUN/dit-$p" > "$RUN/dit-$p.out" 2>&1 &
done
wait
echo "== done $(date +%T)"
