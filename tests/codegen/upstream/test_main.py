"""`python -m codegen.upstream` against the local imitation of docs.geekai.co: each form it serves, each case."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codegen.generate import PACKAGE, ROOT, Inputs, differences, load_yaml, recorded_source
from codegen.upstream.__main__ import INCOMPLETE, main
from codegen.upstream.lint import count_findings
from codegen.upstream.spec_diff import diff_documents
from devtools.prism import ensure_installed
from tests.support.docs_site import DocsSite, excerpt, serve, slug
from tests.support.generated_tree import operation_drift

VENDORED: dict[str, Any] = load_yaml(ROOT / "adminapi.yaml")
LOGS = "/api_keys/{uuid}/logs"


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str
    report_path: Path

    @property
    def report(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.report_path.read_text(encoding="utf-8"))
        return loaded


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    def run(site: DocsSite, *args: str, root: Path = ROOT, moved: int | None = None) -> Run:
        report = tmp_path / "report.json"
        with serve(site, moved=moved) as base:
            status = main(["--docs", base, "--report", str(report), *args], root=root)
        out = capsys.readouterr()
        return Run(status, out.out, out.err, report)

    return run


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of what the pipeline reads and writes: the spec, the patch, codegen's inputs, generated/."""
    copy_root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".*")
    for name in ("adminapi.yaml", "adminapi.patch.yaml"):
        (copy_root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy_root / name)
    shutil.copytree(ROOT / "codegen", copy_root / "codegen", ignore=ignore)
    shutil.copytree(ROOT / "generated", copy_root / "generated", ignore=ignore)
    return copy_root


def _untouched(repo: Path) -> None:
    assert (repo / "adminapi.yaml").read_bytes() == (ROOT / "adminapi.yaml").read_bytes()
    assert Inputs.at(repo).published.read_bytes() == Inputs().published.read_bytes()
    assert differences(ROOT / "generated", repo / "generated") == []


def _edited(*edits: Any) -> dict[str, Any]:
    document = copy.deepcopy(VENDORED)
    for edit in edits:
        edit(document)
    return document


def _add_remark(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["ApiKey"]["properties"]["remark"] = {"type": "string", "description": "备注"}


def _add_logs(document: dict[str, Any]) -> None:
    document["paths"][LOGS] = {
        "get": {
            "summary": "获取 API KEY 调用日志",
            "parameters": [{"$ref": "#/components/parameters/UuidParam"}],
            "responses": {
                "200": {
                    "description": "成功响应",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessageResponse"}}},
                }
            },
        }
    }


OPERATIONS = ["GET /api_keys", "POST /api_keys", "GET /api_keys/{uuid}", "PUT /api_keys/{uuid}"]
OPERATIONS += ["DELETE /api_keys/{uuid}", "GET /credit/balance"]


def _pages_only(**options: Any) -> DocsSite:
    return DocsSite.from_document(VENDORED, spec_link=False, **options)


def _truncated(site: DocsSite, count: int = 2) -> DocsSite:
    site.truncate = count
    return site


def _nested(site: DocsSite) -> DocsSite:
    site.nested = True
    return site


def _well_known(site: DocsSite) -> DocsSite:
    site.well_known_only = True
    return site


def _page_moved(site: DocsSite) -> DocsSite:
    """The balance page moved (a 308 from where the index links it, as docs.json `redirects` give)."""
    old, new = slug("get", "/credit/balance"), "/cn/api-reference/balance"
    site.pages[new + ".md"] = site.pages.pop(old + ".md")
    for path in (old, old + ".md"):
        site.redirects[path] = (308, "{base}" + new + ".md")
    return site


SITES: dict[str, tuple[Callable[[], DocsSite], int | None]] = {
    "docs.geekai.co as served (spec link, pages, English, model API, guide)": (
        lambda: DocsSite.from_document(VENDORED),
        None,
    ),
    "pages only, every label form with a file": (_pages_only, None),
    "labels with no file, on a site with one spec": (
        lambda: _pages_only(forms=("no file",), other_specs=False, languages=False),
        None,
    ),
    "nested /_llms/ index": (lambda: _nested(_pages_only()), None),
    "only /.well-known/llms.txt": (lambda: _well_known(_pages_only()), None),
    "a page moved (308)": (lambda: _page_moved(_pages_only()), None),
    "truncated index, spec linked": (lambda: _truncated(DocsSite.from_document(VENDORED)), None),
    "site moved to another host (301)": (_pages_only, 301),
    "site moved to another host (307)": (lambda: DocsSite.from_document(VENDORED), 307),
    "site moved to another host (308)": (lambda: _nested(_pages_only()), 308),
}


@pytest.mark.parametrize("form", SITES)
def test_an_unchanged_site_in_every_form_is_no_change(run: Any, form: str) -> None:
    build, moved = SITES[form]
    result = run(build(), moved=moved)
    assert result.status == 0, result.stderr
    report = result.report
    assert (report["changed"], report["breaking"], report["complete"], report["changes"]) == (False, False, True, [])
    assert report["operations"] == {"added": [], "removed": [], "changed": [], "not_seen": []}
    assert report["findings"] == []
    seen = {op for source in report["sources"] for op in source["operations"]}
    assert seen == set(OPERATIONS)
    assert result.stdout.startswith(f"## Upstream spec: {report['source']}\n\nNo change")


def test_the_report_lists_every_source_read_with_its_kind_and_operations(run: Any) -> None:
    result = run(DocsSite.from_document(VENDORED))
    sources = {source["url"].split(":", 2)[2].split("/", 1)[1]: source for source in result.report["sources"]}
    assert sources["llms.txt"]["kind"] == "index"
    assert sources["adminapi.yaml"] | {"url": ""} == {"url": "", "kind": "spec", "operations": OPERATIONS}
    assert sources["cn/api-reference/get-api_keys.md"]["operations"] == ["GET /api_keys"]
    assert sources["cn/api-reference/chat-completions.md"]["other"] == ["openapi.json POST /chat/completions"]
    assert sources["en/api-reference/get-api_keys.md"]["other"] == ["en/adminapi.yaml GET /api_keys"]
    assert sources["cn/docs/introduction.md"] | {"url": ""} == {"url": "", "kind": "page", "operations": []}
    assert sources["openapi.json"]["note"].startswith("not read")
    assert "### Sources read" in result.stdout


def test_the_spec_file_is_read_whole_and_never_a_page(run: Any) -> None:
    site = DocsSite.from_document(VENDORED)
    result = run(site)
    assert result.status == 0, result.stderr
    assert "/adminapi.yaml" in site.requests
    assert not any(path.startswith(("/adminapi.yaml.md", "/openapi.json")) for path in site.requests)
    assert "/en/adminapi.yaml" not in site.requests  # another language: compared only when asked


def test_a_truncated_index_gives_not_seen_never_removed_and_exits_non_zero(run: Any, repo: Path) -> None:
    result = run(_truncated(_pages_only(), 2), "--apply", root=repo)
    assert result.status == INCOMPLETE
    report = result.report
    left_out = ["DELETE /api_keys/{uuid}", "GET /credit/balance"]
    assert report["operations"] == {"added": [], "removed": [], "changed": [], "not_seen": left_out}
    assert (report["changed"], report["breaking"], report["complete"]) == (False, False, False)
    [index] = [source for source in report["sources"] if source["kind"] == "index"]
    assert "2 pages were omitted" in index["note"]
    assert result.stderr.startswith("upstream: incomplete: 2 operation(s) not seen (DELETE /api_keys/{uuid}, GET")
    assert "may leave pages out" in result.stderr
    assert "No change in what could be read" in result.stdout
    assert "**Incomplete**" in result.stdout
    _untouched(repo)


def test_a_truncated_nested_index_gives_not_seen_too(run: Any) -> None:
    result = run(_truncated(_nested(_pages_only()), 1))
    assert result.status == INCOMPLETE
    assert result.report["operations"]["not_seen"] == ["GET /credit/balance"]


def test_a_removal_behind_a_truncated_index_is_not_seen_not_removed(run: Any) -> None:
    site = _truncated(_pages_only(), 1)
    site.remove("delete", "/api_keys/{uuid}")  # really gone, but the index could have dropped it
    result = run(site)
    assert result.status == INCOMPLETE
    report = result.report
    assert report["operations"]["removed"] == []
    assert report["operations"]["not_seen"] == ["DELETE /api_keys/{uuid}", "GET /credit/balance"]
    assert not report["breaking"]


def test_labels_with_no_file_on_a_site_with_several_specs_are_findings_and_not_seen(run: Any) -> None:
    site = _pages_only(forms=("file", "no file"))  # every other API page names no file; openapi.json exists
    result = run(site)
    assert result.status == INCOMPLETE
    report = result.report
    assert report["operations"]["removed"] == []
    assert report["operations"]["not_seen"] == ["POST /api_keys", "PUT /api_keys/{uuid}", "GET /credit/balance"]
    kinds = {finding["kind"] for finding in report["findings"]}
    assert kinds == {"unattributed block"}
    [first] = [f for f in report["findings"] if "POST /api_keys" in f["message"]]
    assert (
        "names no spec file, and the site has several (adminapi.yaml, en/adminapi.yaml, openapi.json)"
        in first["message"]
    )
    assert first["sources"] == [first["sources"][0]]
    assert first["sources"][0].endswith(slug("post", "/api_keys") + ".md")
    assert (report["changed"], report["breaking"], report["complete"]) == (False, False, False)


def test_a_removal_on_a_site_with_unattributable_blocks_is_not_seen_not_removed(run: Any) -> None:
    site = _pages_only(forms=("file", "no file"))
    site.remove("delete", "/api_keys/{uuid}")  # really gone, but an unattributed block could have been it
    result = run(site)
    assert result.status == INCOMPLETE
    report = result.report
    assert report["operations"]["removed"] == []
    assert "DELETE /api_keys/{uuid}" in report["operations"]["not_seen"]
    assert (report["changed"], report["breaking"]) == (False, False)


def test_an_unknown_block_form_is_a_finding_never_skipped(run: Any) -> None:
    site = _pages_only()
    site.pages[slug("get", "/credit/balance") + ".md"] = site.pages[slug("get", "/credit/balance") + ".md"].replace(
        "````yaml adminapi.yaml", "````yaml adminapi.yaml webhook balance-changed\n````\n\n````yaml adminapi.yaml", 1
    )
    result = run(site)
    assert result.status == INCOMPLETE
    [finding] = result.report["findings"]
    assert finding["kind"] == "unknown block"
    assert "`yaml adminapi.yaml webhook balance-changed` names a method" in finding["message"]


def test_a_spec_file_that_disagrees_with_a_page_is_a_finding_naming_both(run: Any) -> None:
    site = DocsSite.from_document(VENDORED)
    edited = excerpt(VENDORED, "post", "/api_keys")
    edited["paths"]["/api_keys"]["post"]["description"] = "页面上的另一种说法"
    page = site.put("post", "/api_keys", edited)
    result = run(site)
    assert result.status == INCOMPLETE
    report = result.report
    [finding] = report["findings"]
    assert finding["kind"] == "disagreement"
    assert finding["message"].endswith(f"{page} disagree on paths./api_keys.post")
    assert finding["sources"][0].endswith("/adminapi.yaml")
    assert finding["sources"][1].endswith(page)
    assert report["changed"] is False  # the whole spec is what is compared; it did not change
    assert "disagree on paths./api_keys.post" in result.stderr


def test_a_page_operation_the_spec_file_lacks_is_a_finding(run: Any) -> None:
    site = DocsSite.from_document(_edited(_add_logs))
    site.files["/adminapi.yaml"] = (ROOT / "adminapi.yaml").read_bytes()
    result = run(site)
    assert result.status == INCOMPLETE
    messages = [finding["message"] for finding in result.report["findings"]]
    assert any(f"lacks paths.{LOGS}.get, which" in message for message in messages)
    assert result.report["operations"]["added"] == []  # the spec file is preferred


@pytest.mark.slow
@pytest.mark.parametrize("spec_link", [True, False], ids=["spec link", "pages only"])
def test_an_additive_change_names_each_addition_and_is_not_breaking(run: Any, spec_link: bool) -> None:
    result = run(DocsSite.from_document(_edited(_add_remark, _add_logs), spec_link=spec_link))
    assert result.status == 0, result.stderr
    report = result.report
    assert (report["changed"], report["breaking"]) == (True, False)
    assert report["operations"]["added"] == [f"GET {LOGS}"]
    assert report["operations"]["removed"] == []
    assert "GET /api_keys" in report["operations"]["changed"]
    changes = {c["where"]: c for c in report["changes"]}
    assert changes["components.schemas.ApiKey.properties.remark"] | {"rule": ""} == {
        "where": "components.schemas.ApiKey.properties.remark",
        "kind": "added",
        "breaking": False,
        "class": "additive",
        "rule": "",
        "absorbed_by_patch": False,
    }
    assert changes[f"paths.{LOGS}"]["kind"] == "added"
    api = report["python_api"]
    assert (api["removed"], api["changed"]) == ([], [])
    assert f"{PACKAGE}.models.api_key.ApiKey.remark" in api["added"]
    assert f"{PACKAGE}.api.default.get_api_keys_uuid_logs" in api["added"]
    assert "Changed, nothing breaking." in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("spec_link", [True, False], ids=["spec link", "pages only"])
def test_a_breaking_change_names_each_break(run: Any, spec_link: bool) -> None:
    def breaking(document: dict[str, Any]) -> None:
        properties = document["components"]["schemas"]["ApiKey"]["properties"]
        del properties["group"]  # a field no patch action touches
        properties["credit_used"]["type"] = "string"
        del document["paths"]["/api_keys/{uuid}"]["delete"]

    site = DocsSite.from_document(_edited(breaking), spec_link=spec_link)
    site.truncate = int(spec_link)  # with the whole spec linked, a truncated index does not matter
    result = run(site)
    assert result.status == 0, result.stderr
    report = result.report
    assert (report["changed"], report["breaking"]) == (True, True)
    assert report["operations"]["removed"] == ["DELETE /api_keys/{uuid}"]
    changes = {c["where"]: (c["kind"], c["breaking"], c["rule"]) for c in report["changes"]}
    assert changes["components.schemas.ApiKey.properties.group"] == ("removed", True, "response field removed")
    assert changes["components.schemas.ApiKey.properties.credit_used.type"] == ("changed", True, "type changed")
    assert changes["paths./api_keys/{uuid}.delete"] == ("removed", True, "operation removed")
    api = report["python_api"]
    assert f"{PACKAGE}.api.api_keys.delete_api_key" in api["removed"]
    assert f"{PACKAGE}.models.api_key.ApiKey.group" in api["removed"]
    [delete_names] = [a for a in report["patch"] if a["target"] == "$.paths['/api_keys/{uuid}'].delete"]
    assert (delete_names["matched"], delete_names["matched_before"]) == (0, 1)
    assert "now selects nothing" in delete_names["note"]
    assert "**Breaking**" in result.stdout


@pytest.mark.slow
def test_another_language_is_compared_only_when_asked(run: Any) -> None:
    result = run(_pages_only(), "--language", "en")
    assert result.status == 0, result.stderr
    report = result.report
    assert (report["changed"], report["breaking"]) == (True, False)
    assert {change["class"] for change in report["changes"]} == {"cosmetic"}
    pages = [source for source in report["sources"] if source["operations"]]
    assert pages
    assert all("/en/api-reference/" in source["url"] for source in pages)


def test_two_pages_that_disagree_are_an_error_and_nothing_is_written(run: Any, repo: Path) -> None:
    site = DocsSite.from_document(_edited(_add_logs), spec_link=False)
    edited = excerpt(_edited(_add_logs), "post", "/api_keys")
    edited["components"]["schemas"]["ApiKey"]["description"] = "a different ApiKey"
    page = site.put("post", "/api_keys", edited)
    result = run(site, "--apply", root=repo)
    assert result.status == 1
    first = slug("get", "/api_keys")
    assert result.stderr.startswith("upstream: error: http://127.0.0.1:")
    assert f"{first}.md and " in result.stderr
    assert result.stderr.rstrip().endswith(f"{page} disagree on components.schemas.ApiKey")
    assert (result.stdout, result.report_path.exists()) == ("", False)
    _untouched(repo)


def test_a_page_that_fails_to_load_is_an_error_naming_it_and_nothing_is_written(run: Any, repo: Path) -> None:
    site = DocsSite.from_document(_edited(_add_logs))
    site.status[slug("put", "/api_keys/{uuid}") + ".md"] = 404
    result = run(site, "--apply", root=repo)
    assert result.status == 1
    assert result.stderr.startswith("upstream: error: http://127.0.0.1:")
    assert result.stderr.rstrip().endswith(slug("put", "/api_keys/{uuid}") + ".md: HTTP 404")
    assert (result.stdout, result.report_path.exists()) == ("", False)
    _untouched(repo)


@pytest.mark.parametrize("spec_link", [True, False], ids=["spec link", "pages only"])
def test_a_document_that_is_not_openapi_3_1_is_an_error(run: Any, repo: Path, spec_link: bool) -> None:
    broken = _edited(lambda d: d["paths"]["/api_keys"]["get"]["responses"]["200"].pop("description"))
    result = run(DocsSite.from_document(broken, spec_link=spec_link), "--apply", root=repo)
    assert result.status == 1
    assert "not a valid OpenAPI 3.1 document" in result.stderr
    assert not result.report_path.exists()
    _untouched(repo)


def test_a_document_the_pipeline_refuses_is_an_error_and_nothing_is_written(run: Any, repo: Path) -> None:
    def unresolvable(document: dict[str, Any]) -> None:
        _add_logs(document)
        del document["paths"][LOGS]["get"]["parameters"]  # {uuid} in the path, no parameter: not fixed by the patch

    result = run(DocsSite.from_document(_edited(unresolvable)), "--apply", root=repo)
    assert result.status == 1
    assert "regenerating from http://127.0.0.1:" in result.stderr
    assert "path has {uuid} but declares no path parameter" in result.stderr
    _untouched(repo)


def test_apply_on_an_unchanged_site_writes_nothing(run: Any, repo: Path) -> None:
    result = run(DocsSite.from_document(VENDORED), "--apply", root=repo)
    assert (result.status, result.report["changed"]) == (0, False)
    _untouched(repo)


@pytest.mark.slow
def test_apply_regenerates_and_the_new_operation_must_then_be_named(run: Any, repo: Path) -> None:
    new = _edited(_add_remark, _add_logs)
    site = DocsSite.from_document(new)
    result = run(site, "--apply", root=repo)
    assert result.status == 0, result.stderr
    written = repo / "adminapi.yaml"
    assert written.read_bytes() == site.files["/adminapi.yaml"]  # the spec file as published, byte for byte
    assert diff_documents(new, load_yaml(written)).changes == []
    assert Inputs.at(repo).published.read_text(encoding="ascii") == Inputs.at(repo).published_line()

    package = repo / "generated" / PACKAGE
    assert (package / "api/default/get_api_keys_uuid_logs.py").is_file()
    assert operation_drift(package) == [
        "new operation module api/default/get_api_keys_uuid_logs.py: name the operation in adminapi.patch.yaml "
        "(operationId and tag), regenerate, and add it to OPERATIONS in tests/support/generated_tree.py"
    ]
    spec = json.loads((repo / "generated/provenance.json").read_text(encoding="utf-8"))["spec"]
    assert spec["sha256"] == hashlib.sha256(written.read_bytes()).hexdigest()
    assert spec["source"]["url"] == result.report["source"]
    assert len(spec["source"]["sha256"]) == 64
    assert recorded_source(repo / "generated", Inputs.at(repo)) == spec["source"]  # what `check` regenerates with


@pytest.mark.parametrize(
    "args", [["--docs", "http://docs.geekai.co"], ["--document", "ftp://x/spec.yaml"], ["--bogus"]]
)
def test_bad_arguments_exit_2_before_anything_is_fetched(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert "usage: python -m codegen.upstream" in capsys.readouterr().err


def test_the_markdown_summary_can_go_to_a_file_too(run: Any, tmp_path: Path) -> None:
    markdown = tmp_path / "report.md"
    result = run(DocsSite.from_document(VENDORED), "--markdown", str(markdown))
    assert result.status == 0
    assert markdown.read_text(encoding="utf-8") == result.stdout


def test_a_whole_document_can_be_compared_instead(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    assert main(["--document", str(ROOT / "adminapi.yaml"), "--report", str(report)]) == 0
    loaded = json.loads(report.read_text(encoding="utf-8"))
    assert (loaded["changed"], loaded["complete"]) == (False, True)
    assert loaded["sources"] == [{"url": str(ROOT / "adminapi.yaml"), "kind": "spec", "operations": OPERATIONS}]
    assert loaded["upstream_lint_findings"] is None  # no linter ran: the count is absent, not 0
    assert loaded["upstream_lint_note"].startswith("not measured: no Redocly CLI given (--redocly PATH")
    assert "No change" in capsys.readouterr().out


@pytest.mark.slow
def test_the_upstream_documents_lint_findings_are_counted_with_the_pinned_redocly(run: Any) -> None:
    ensure_installed()  # npm ci, once at a time: the pinned Redocly CLI (without Node.js: an error, never a skip)
    redocly = ROOT / "node_modules" / ".bin" / "redocly"
    result = run(DocsSite.from_document(VENDORED), "--redocly", str(redocly))
    published = count_findings((ROOT / "adminapi.yaml").read_bytes(), redocly, ROOT / "redocly.yaml").findings
    assert result.status == 0
    assert result.report["upstream_lint_findings"] == published
    assert published  # the published document fails the rules the patched one passes (the finding)
    assert f"Lint findings in the upstream document: {published} (Redocly CLI 2." in result.stdout


def test_without_node_the_lint_count_is_null_with_the_reason_and_the_run_goes_on(run: Any, tmp_path: Path) -> None:
    missing = tmp_path / "node_modules" / ".bin" / "redocly"
    result = run(DocsSite.from_document(VENDORED), "--redocly", str(missing))
    assert (result.status, result.report["changed"], result.report["upstream_lint_findings"]) == (0, False, None)
    assert result.report["upstream_lint_note"] == (
        f"not measured: no Redocly CLI at {missing} (`npm ci` installs the pinned one; it needs Node.js)"
    )
    assert "Lint findings in the upstream document: not measured: no Redocly CLI at" in result.stdout


def _alias_bomb() -> str:
    """An 8.6 KB document of nested aliases: built, it would take gigabytes (the issue's report)."""
    lines = ["openapi: 3.1.0", "l0: &l0 [" + ", ".join(['"lol"'] * 9) + "]"]
    lines += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 64) + "]" for n in range(1, 24)]
    return "\n".join(lines) + "\n"


def test_a_document_with_yaml_aliases_is_refused_at_once_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_alias_bomb(), encoding="utf-8")
    assert 8 * 1024 < bomb.stat().st_size < 9 * 1024
    assert main(["--document", str(bomb), "--report", str(tmp_path / "report.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"upstream: error: {bomb}: uses a YAML alias (*l0); aliases are refused")
    assert "Traceback" not in err
    assert not (tmp_path / "report.json").exists()


@pytest.mark.slow
def test_the_command_ends_on_the_alias_bomb_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_alias_bomb(), encoding="utf-8")
    done = subprocess.run(  # the timeout only guards against a hang: before the fix this ran 37 s into 2.3 GB
        [sys.executable, "-m", "codegen.upstream", "--document", str(bomb), "--report", str(tmp_path / "r.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"upstream: error: {bomb}: uses a YAML alias (*l0); aliases are refused in upstream input, "
        "since a few of them can expand to gigabytes\n"
    )


def test_a_page_block_with_yaml_aliases_is_refused_naming_the_page(run: Any) -> None:
    site = _pages_only()
    page = site.put("get", "/credit/balance", {"openapi": "3.1.0"})
    site.pages[page] = site.pages[page].replace("openapi: 3.1.0\n", _alias_bomb())
    result = run(site)
    assert result.status == 1
    assert f"{page}: the GET /credit/balance block uses a YAML alias" in result.stderr


def test_an_oversized_document_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"openapi: 3.1.0\n" + b"#" * (3 * 1024 * 1024))
    assert main(["--document", str(big), "--report", str(tmp_path / "report.json")]) == 1
    assert "more than the 2097152 bytes allowed for one document" in capsys.readouterr().err


def test_a_site_with_too_many_pages_is_refused(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("codegen.upstream.docs_site.MAX_PAGES", 5)
    result = run(_pages_only())
    assert result.status == 1
    assert result.stderr.rstrip().endswith(
        "/llms.txt: more than 5 pages linked; refused (raise the limit if the site grew)"
    )


def test_two_copies_of_the_spec_file_that_differ_are_a_finding(run: Any) -> None:
    site = DocsSite.from_document(VENDORED)
    site.files["/cn/adminapi.yaml"] = (
        (ROOT / "adminapi.yaml").read_bytes().replace(b"version: 1.0.0", b"version: 1.0.1")
    )
    site.spec_links.append("/cn/adminapi.yaml")
    result = run(site)
    assert result.status == INCOMPLETE
    [finding] = result.report["findings"]
    assert finding["message"].endswith("/adminapi.yaml and " + finding["sources"][1] + " are different documents")
    assert finding["sources"][1].endswith("/cn/adminapi.yaml")


def test_a_site_with_no_llms_txt_is_an_error_naming_the_last_place_tried(run: Any) -> None:
    site = _pages_only()
    site.status["/.well-known/llms.txt"] = 404
    site.well_known_only = True
    result = run(site)
    assert result.status == 1
    assert result.stderr.rstrip().endswith("/.well-known/llms.txt: HTTP 404")
    assert site.requests[:2] == ["/llms.txt", "/.well-known/llms.txt"]


def test_a_site_with_no_excerpt_and_no_spec_file_is_an_error(run: Any) -> None:
    site = DocsSite.from_document(VENDORED, spec_link=False, other_specs=False, languages=False)
    for method, path in [("get", "/api_keys"), ("post", "/api_keys"), ("get", "/api_keys/{uuid}")]:
        site.remove(method, path)
    for method, path in [("put", "/api_keys/{uuid}"), ("delete", "/api_keys/{uuid}"), ("get", "/credit/balance")]:
        site.remove(method, path)
    result = run(site)
    assert result.status == 1
    assert result.stderr.rstrip().endswith(
        "no linked page holds an excerpt of adminapi.yaml, and no spec file is linked"
    )


def test_a_site_past_the_total_size_limit_is_refused(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("codegen.upstream.docs_site.MAX_SITE_BYTES", 20_000)
    result = run(_pages_only())
    assert result.status == 1
    assert "the site is past 20000 bytes in all; refused" in result.stderr
