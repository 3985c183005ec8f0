from organizations.access import is_methodologist, membership_of


def roles(request):
    """Lets the base template show the menu that fits the user's role."""
    user = request.user
    membership = membership_of(user)
    return {
        "is_methodologist": is_methodologist(user),
        "own_organization": membership.organization if membership and membership.organization_id else None,
    }
