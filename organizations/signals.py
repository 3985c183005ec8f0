"""Signals of the registry for writes that send no post_save (bulk creation by the import)."""

from django.dispatch import Signal

# Sent with `organizations`: the Organization objects just created in bulk, with their ids.
organizations_created = Signal()
