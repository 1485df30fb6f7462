"""Upstream tracking: notice a change to the published spec, say what it breaks, regenerate on it.

`python -m codegen.upstream` (`nox -s upstream`):

- fetch.py: reads a page (https only, timeouts, retries, a size cap);
- docs_site.py: llms.txt, its pages, and the spec excerpt each API page embeds;
- merge.py: one document from the excerpts (pages that disagree are an error);
- source.py: that document, or a whole published one, checked to be OpenAPI 3.1;
- spec_diff.py, spec_location.py, spec_rules.py: what changed, and what each change means;
- python_api.py: the generated package's public surface before and after (griffe);
- compare.py: the comparison, and --apply; report.py: the JSON report and the Markdown summary.
"""
