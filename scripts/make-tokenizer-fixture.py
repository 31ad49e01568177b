"""Write tests/pipeline/fixtures/tokenizer.json from the Python tokenizer.

The TypeScript tokenizer's parity test reads this file together with
model/tests/fixtures/tokenizer_cases.json, so both come from the same Python
code and neither is edited by hand. Rerun after the vocabulary changes:
    scripts/py scripts/make-tokenizer-fixture.py
"""
from pathlib import Path

from spacetime.tokenizer import Tokenizer

OUT = Path(__file__).resolve().parent.parent / "tests" / "pipeline" / "fixtures" / "tokenizer.json"

if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    Tokenizer.from_world().save(OUT)
    print(f"wrote {OUT}")
