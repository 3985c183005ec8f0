from organizations.access import is_methodologist, membership_of


def roles(request):
    """Lets the base template show the menu that fits the user's role. A request refused before
    the authentication middleware ran (a 400 for a bad Host header) has no user: no menu."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    membership = membership_of(user)
    return {
        "is_methodologist": is_methodologist(user),
        "own_organization": membership.organization if membership and membership.organization_id else None,
    }
