"""VK (ВКонтакте): communities read with a service or user token."""
