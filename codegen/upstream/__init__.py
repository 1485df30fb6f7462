"""Upstream tracking: notice a change to the published spec, say what it breaks, regenerate on it.

`python -m codegen.upstream` (`nox -s upstream`): fetch (fetch.py) the docs site's pages and
cut out their spec excerpts (docs_site.py), merge them (merge.py) or read a whole document
(source.py), compare it with the vendored adminapi.yaml (spec_diff.py), and the package generated
from it with the committed one (python_api.py); report (report.py), and with --apply regenerate
(compare.py).
"""
