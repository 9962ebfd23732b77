"""The public site's own pages and their plumbing: home, quotes, figures, profile, legal
pages and shared previews (`views`), search, SEO data, sitemaps, feeds' base classes,
health checks and error pages, the Jinja2 environment (`templating`), absolute and share
links, paging, the template context, and the security headers and middleware.
"""
