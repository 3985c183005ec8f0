"""Every organization has an entry for every item, from the moment either exists.

A signal keeps the dependency direction (checklist → organizations): the registry
does not need to know the checklist exists."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from checklist.models import ChecklistItem
from checklist.services import entries_ensure
from organizations.models import Organization
from organizations.signals import organizations_created


@receiver(post_save, sender=Organization, dispatch_uid="checklist_entries_for_organization")
def entries_for_new_organization(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        entries_ensure(organizations=[instance])


@receiver(organizations_created, dispatch_uid="checklist_entries_for_imported_organizations")
def entries_for_imported_organizations(sender, organizations, **kwargs):
    entries_ensure(organizations=organizations)


@receiver(post_save, sender=ChecklistItem, dispatch_uid="checklist_entries_for_item")
def entries_for_new_item(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        entries_ensure(item=instance)
