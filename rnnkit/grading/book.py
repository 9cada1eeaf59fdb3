"""Where the grader's messages send a student: the book's sections, cited in words and resolved
to links into the built book (the feedback page's).

A message cites sections in one line, `See the book, chapter 3, Gated recurrent units
(book/03_gru), section 'The equations'; chapter 1, 'Backpropagation through time'.`: every quoted
heading belongs to the chapter named last before it. Jupyter Book gives each section the HTML id
that docutils makes of its heading (lower case, every run of other characters one hyphen), so a
heading is a link: <book>/<chapter page>.html#<id>.
"""

import re
import unicodedata

from rnnkit.grading.assignments import ASSIGNMENTS

_CITED = re.compile(r"chapter (\d+)|'([^']+)'")


def see_the_book(spec, also=()):
    """The line citing spec's sections, and `also` (more citations: "chapter 3, 'Heading'")."""
    a = spec.assignment
    return f"See the book, chapter {a.number}, {a.title} ({a.chapter}), {'; '.join((spec.section, *also))}."


def citations(line):
    """[(chapter page, heading)] of every section a citing line names, in order."""
    pages, chapter, found = {a.number: a.chapter for a in ASSIGNMENTS}, None, []
    for m in _CITED.finditer(line):
        if m.group(1):
            chapter = int(m.group(1))
        elif chapter in pages:
            found.append((pages[chapter], m.group(2)))
    return found


def anchor(heading):
    """The HTML id of a section with this heading, as docutils' make_id makes it."""
    text = unicodedata.normalize("NFKD", heading.lower()).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", " ".join(text.split()))
    return re.sub(r"^[-0-9]+|-+$", "", text)


def link(base, page, heading):
    """The address of a section of the book built or published at `base` (a URL or a directory URL)."""
    return f"{base.rstrip('/')}/{page}.html#{anchor(heading)}"
