from . import roles as role_rules


def roles(request):
    """Role flags for the navigation. Costs one query per request at most."""
    user = request.user
    return {
        "is_coordinator": role_rules.is_coordinator(user),
        "can_see_everything": role_rules.can_see_everything(user),
    }
