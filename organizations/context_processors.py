from checklist.selectors import review_queue_count
from organizations.access import is_methodologist, membership_of, methodologist_district, organizations_for


def roles(request):
    """Lets the base template show the menu that fits the user's role, with the number of
    documents waiting for a methodologist's decision. A request refused before the
    authentication middleware ran (a 400 for a bad Host header) has no user: no menu."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    membership = membership_of(user)
    methodologist = is_methodologist(user)
    context = {
        "is_methodologist": methodologist,
        "own_organization": membership.organization if membership and membership.organization_id else None,
    }
    if methodologist:
        context["review_waiting"] = review_queue_count(organizations_for(user))
        # The overview of the region's districts, for its coordinator.
        context["is_coordinator"] = methodologist_district(user) is None
    return context
