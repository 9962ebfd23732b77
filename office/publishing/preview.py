from django.utils import timezone
from django.utils.cache import add_never_cache_headers


class PreviewMixin:
    """Serve published items to everyone and unpublished ones to editors, never cached.

    The subclass names the model's change permission; the queryset it builds
    on is `published()` for everybody else.
    """

    preview_permission = ""
    # Set by the shared preview view once a valid PreviewLink has named the item.
    shared_preview = False

    def can_preview(self):
        return self.shared_preview or self.request.user.has_perm(self.preview_permission)

    def get_queryset(self):
        queryset = self.model.objects.all()
        return queryset if self.can_preview() else queryset.published()

    def get_object(self, queryset=None):
        item = super().get_object(queryset)
        if item.publish_at is None:
            # Nobody has decided yet: show the item as it would read if approved now.
            item.publish_at = timezone.now()
        return item

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview"] = not self.object.is_published()
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.can_preview():
            add_never_cache_headers(response)
        return response
