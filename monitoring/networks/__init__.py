"""One package per social network: its client, its API mapping (what a read turns into), its part
of the simulator and its rules, so that adding a network means adding one such package and
registering it here."""

from django.conf import settings

from monitoring.networks.max.reading import read_max
from monitoring.networks.max.rules import merge_max_with_previous, read_max_observation
from monitoring.networks.ok.reading import read_ok
from monitoring.networks.vk.reading import read_vk
from monitoring.rules import merge_with_previous, read_observation
from monitoring.types import MAX, OK, VK

# network → its reader: (client, page refs, window start) → (page id, PageRead) as each is final.
READERS = {VK: read_vk, OK: read_ok, MAX: read_max}
# network → how one read becomes a verdict: (observation, window, thresholds) → what was read now,
# then (previous verdict, that) → the full verdict.
JUDGES = {
    VK: (read_observation, merge_with_previous),
    OK: (read_observation, merge_with_previous),
    MAX: (read_max_observation, merge_max_with_previous),
}


def swept_networks() -> list[str]:
    """What a sweep reads when not told: VK and OK always (a missing key is a configuration error),
    MAX when the district bot's token is set (without it MAX channels are shown, not read)."""
    return [VK, OK, *([MAX] if settings.MAX_BOT_TOKEN else [])]
