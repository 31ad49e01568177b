#!/usr/bin/env bash
# Waits up to SECONDS for the detached training (its pid in $RUN/pid) to end,
# printing progress each minute, then snapshots the run into $OUT.
RUN=${RUN:-/tmp/st}
end=$((SECONDS + $1))
while [ $SECONDS -lt $end ] && kill -0 "$(cat "$RUN/pid")" 2>/dev/null; do
  sleep 10
  if [ $((SECONDS % 60)) -lt 10 ]; then
    for f in "$RUN"/*/log.jsonl; do echo "$f: $(tail -1 "$f" | cut -c1-220)"; done
  fi
done
cat "$RUN/train.log"
for f in "$RUN"/*/log.jsonl; do echo "== $f"; grep -E '"eval"|latent-stats|time-limit' "$f" | tail -3 | cut -c1-300; tail -1 "$f" | cut -c1-300; done
"${PY:-python3}" "$(dirname "$0")/snapshot.py" "$RUN" "$OUT"
