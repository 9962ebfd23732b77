from office.models import Profile


def site(request):
    """Give every template the office's profile: header, footer and titles name the MdL."""
    return {"profile": Profile.load()}
