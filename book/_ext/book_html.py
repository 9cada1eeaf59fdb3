"""HTML fixes for the book: inline scripts added once, and no request for /favicon.ico.

Sphinx 7.4 adds an inline script registered during an event twice (once with filename None,
once with ''), so sphinx-thebe's `const THEBE_JS_URL` is declared twice and the page throws a
SyntaxError. A page without a favicon makes every browser request /favicon.ico and log a 404.
"""


def _fix_page(app, pagename, templatename, context, doctree):
    seen, scripts = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    context["script_files"] = scripts
    context["metatags"] = context.get("metatags", "") + '\n    <link rel="icon" href="data:,">'


def setup(app):
    app.connect("html-page-context", _fix_page, priority=1000)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
