"""A VK, OK and MAX API simulator: part of the product, not a test double.

It is a real HTTP server that answers like the real APIs as
``reference/vk_ok_api.md`` and ``reference/max_api.md`` describe them (shapes, error envelopes, OK
signatures, rate limits, daily quotas), from a scenario (see ``scenario``).
Tests and the demo sweep run the real clients against it over HTTP; the same
clients can be pointed at any server that speaks these APIs. It must never be
bent to suit the clients: where the reference is unverified, each module says
which behaviour it chose.

    python -m monitoring.simulator --scenario demo.json --port 8765
"""

from .scenario import Scenario, ScenarioError, load_scenario
from .server import SimulatorHandle, SimulatorProcess, start_simulator
from .state import RequestRecord, max_in_window, token_hash

__all__ = [
    "RequestRecord",
    "Scenario",
    "ScenarioError",
    "SimulatorHandle",
    "SimulatorProcess",
    "load_scenario",
    "max_in_window",
    "start_simulator",
    "token_hash",
]
