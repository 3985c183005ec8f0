"""``python -m monitoring.simulator --scenario FILE --port 8765``: serve until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import time

from .scenario import ScenarioError, load_scenario
from .server import start_simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitoring.simulator", description=__doc__)
    parser.add_argument("--scenario", required=True, help="scenario JSON file (see monitoring/simulator/scenario.py)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        print(f"scenario error: {exc}", file=sys.stderr)
        return 2
    handle = start_simulator(scenario, args.host, args.port)
    print(f"VK_API_URL={handle.url_vk}\nOK_API_URL={handle.url_ok}\nMAX_API_URL={handle.url_max}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
