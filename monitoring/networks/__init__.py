"""One package per social network: its client, its API mapping (what a read turns into), its part
of the simulator and its rules, so that adding a network means adding one such package."""

from monitoring.networks.ok.reading import read_ok
from monitoring.networks.vk.reading import read_vk
from monitoring.types import OK, VK

# network → its reader: (client, page refs, window start) → (page id, PageRead) as each is final.
READERS = {VK: read_vk, OK: read_ok}
