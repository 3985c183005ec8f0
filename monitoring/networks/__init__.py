"""One package per social network: its client, its API mapping (what a read turns into), its part
of the simulator and its rules, so that adding a network means adding one such package."""
