"""Upstream tracking: notice a change to the published spec, say what it breaks, regenerate on it.

`python -m codegen.upstream` (`nox -s upstream`):

- fetch.py: reads a page (https only, redirects checked, timeouts, retries, a size cap);
- untrusted_yaml.py: parses what a third party wrote (no aliases, bounded nesting);
- llms_index.py: one index's links (pages, nested indexes, spec files) and whether it is whole;
- page_blocks.py: the excerpt labels of a page, in every form Mintlify writes;
- docs_site.py: the crawl, and each excerpt attributed to its spec and language;
- merge.py: one document from the excerpts, or each excerpt checked against the whole spec file;
- source.py: the spec file, that merged document, or a whole published one, checked to be OpenAPI 3.1;
- coverage.py: the sources read and the findings; operation_cut.py: one operation's cut of a document;
- spec_diff.py, spec_location.py, spec_rules.py: what changed, and what each change means;
- python_api.py: the generated package's public surface before and after (griffe);
- lint.py: the upstream document's lint findings, counted by Redocly CLI (information only);
- compare.py: the comparison, and --apply; report.py: the JSON report and the Markdown summary.
"""
