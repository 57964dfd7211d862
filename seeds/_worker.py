"""The generator as a child process (`python -m seeds._worker SEED HOUSEHOLDS`): writes each part to
standard output as an 8-byte big-endian length and a pickle, so that generating (Python) and writing
(Neo4j) use two cores. Only `seeds.seed_demo_county` starts it and reads what it writes."""

from __future__ import annotations

import pickle
import sys

from graph.qr_tokens import new_token
from seeds.generator import generate_parts

HEADER_BYTES = 8


def main(argv: list[str]) -> int:
    seed, households = int(argv[0]), int(argv[1])
    out = sys.stdout.buffer
    for part in generate_parts(seed, households, token=new_token):
        data = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(data).to_bytes(HEADER_BYTES, "big"))
        out.write(data)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
