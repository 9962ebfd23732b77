"""Sending a release to the Presseverteiler: the deliveries, the task, exactly once."""


def follow_release(sender, instance, created, **kwargs):
    """Book or cancel a release's mailings as its status changes."""
