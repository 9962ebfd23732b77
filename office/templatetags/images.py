from django import template

register = template.Library()

# The text column: 42rem at most, the phone's width less the page's padding below.
CONTENT_SIZES = "(min-width: 44rem) 42rem, calc(100vw - 2rem)"


@register.inclusion_tag("includes/picture.html")
def picture(image, eager=False, sizes=CONTENT_SIZES):
    """Render an image as <picture> with modern formats first; eager for the first screen."""
    return {"image": image, "picture": image.picture(), "eager": eager, "sizes": sizes}
