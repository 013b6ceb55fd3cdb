"""The app in a real browser: Debian's headless Chromium driven by Playwright, at desktop and phone sizes.

The server runs in-process on 127.0.0.1 (a free port) over a root of two
knowledge bases built with the fake encoder: the Bazhong plan's text edition and
its PDF edition (real pages, for the page images).  The page may fetch nothing
but that server (every other request fails the test).  Screenshots of every tab
at both sizes go to test-output/browser/ (gitignored), so a person can look at
what a first-time user sees.

Needs /usr/bin/chromium and fonts-noto-cjk (`make browser-deps`); never
`playwright install`.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fakes import HashEncoder
from support.paths import DATA, ROOT

from kb.interfaces.web.app import create_app, launch
from kb.interfaces.web.shelf import Shelf

pytestmark = [
    pytest.mark.browser,
    # Gradio's own queue code, on pandas 3 (not ours to fix):
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-output" / "browser"
#: Milliseconds to wait for a reply; the fake index answers in well under one.
WAIT = 15_000
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
TXT, PDF = "巴中规划", "巴中规划PDF版"  # sorted: the text edition is the default
TABS = ("问答", "大纲", "指标清单", "条款定位", "出题", "文档")
OWNER_Q = "哪个部门负责环境应急联动？"
STRAW_Q = "农民烧秸秆怎么管？"
#: Latin words a Chinese page may show: file formats and units (words of the plan itself are allowed too).
LATIN_OK = {"PDF", "Word", "Excel", "CSV", "Markdown", "docx", "xlsx", "csv", "md", "txt", "html", "htm", "markdown",
            "pdf"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def root(tmp_path_factory, plan_pdf) -> Path:
    """Two knowledge bases in one root, as `kb serve --index-root` serves them."""
    from kb.index.store import build_index
    from kb.knowledge import KnowledgeBase

    folder = tmp_path_factory.mktemp("kbs")
    KnowledgeBase.build(ROOT / "corpus", folder / TXT, encoder=HashEncoder(), progress=False)
    build_index([plan_pdf], folder / PDF, HashEncoder(), progress=False)
    return folder


@pytest.fixture(scope="module")
def served(root) -> Iterator[tuple[str, Shelf]]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (run `make browser-deps`: "
                    "apt-get install chromium fonts-noto-cjk)")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    shelf = Shelf.from_root(root, encoder=HashEncoder())
    demo = create_app(shelf)
    port = free_port()
    launch(demo, "127.0.0.1", port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/", shelf
    demo.close()


@pytest.fixture(scope="module")
def url(served) -> str:
    return served[0]


@pytest.fixture(scope="module")
def shelf(served) -> Shelf:
    return served[1]


@pytest.fixture(scope="module")
def browser(url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _tab(browser, url: str, size: str):
    """A zh-CN browser tab of ``size`` that may reach no other host; (context, page, outside requests)."""
    context = browser.new_context(locale="zh-CN", viewport=SIZES[size], accept_downloads=True,
                                  permissions=["clipboard-read", "clipboard-write"])
    outside: list[str] = []
    # Listening, not routing: a route would pass each of Gradio's ~100 script chunks through Python.
    context.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:")) else outside.append(r.url))
    tab = context.new_page()
    tab.set_default_timeout(WAIT)
    tab.goto(url)
    tab.wait_for_selector("#question textarea")
    return context, tab, outside


@pytest.fixture(scope="module", params=list(SIZES))
def page(request, browser, url):
    """One tab per size, shared by the tests of that size (each goes to the app tab it checks)."""
    context, tab, outside = _tab(browser, url, request.param)
    tab.kb_size = request.param
    yield tab
    context.close()
    assert outside == [], f"the page tried to reach other hosts: {outside}"


@pytest.fixture(scope="module")
def desktop(browser, url):
    context, tab, outside = _tab(browser, url, "desktop")
    tab.kb_size = "desktop"
    yield tab
    context.close()
    assert outside == [], f"the page tried to reach other hosts: {outside}"


def shot(page, name: str, capsys, full_page: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{page.kb_size}-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    with capsys.disabled():
        print(f"\n  screenshot: {path}")
    return path


def pick(page, dropdown: str, option: str) -> None:
    """Choose an option of a Gradio dropdown by its label."""
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def go(page, tab: str) -> None:
    page.get_by_role("tab", name=tab, exact=True).click()
    page.wait_for_function("name => [...document.querySelectorAll('[role=tab]')].some("
                           "t => t.innerText.trim() === name && t.getAttribute('aria-selected') === 'true')", arg=tab)


def ask(page, question: str) -> None:
    """Ask in the chat and wait for the new answer card."""
    before = page.locator("#chatbot .answer-card").count()
    page.locator("#question textarea").fill(question)
    page.keyboard.press("Enter")
    page.locator("#chatbot .answer-card").nth(before).wait_for()


def clear_chat(page) -> None:
    page.locator("#clear").click()
    page.wait_for_function("() => !document.querySelector('#chatbot .message-row')")


def use_kb(page, name: str) -> None:
    """Pick a knowledge base in the selector and wait for the tabs to be redrawn for it."""
    pick(page, "#kb-select", name)
    page.wait_for_function("name => document.querySelector('#kb-select input')?.value === name", arg=name)
    page.wait_for_timeout(600)


#: Visible text and the placeholders of visible fields: what a user reads (screen-reader-only text aside).
VISIBLE_TEXT = """() => { const out = [];
  const shown = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 2 && r.height > 2 && s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0'; };
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) { const n = w.currentNode, e = n.parentElement; const t = n.textContent.trim();
    if (t && e && shown(e) && !e.closest('details:not([open]) > :not(summary)')) out.push(t); }
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach(e => {
    if (shown(e) && e.placeholder) out.push(e.placeholder); });
  return out; }"""


def english_on_screen(page, plan_words: set[str]) -> list[str]:
    words = {w for t in page.evaluate(VISIBLE_TEXT) for w in re.findall(r"[A-Za-z]{2,}", t)}
    return sorted(w for w in words if w not in LATIN_OK and w not in plan_words)


# ------------------------------------------------------------------ every tab


def test_every_tab_at_both_sizes_in_chinese_with_no_tab_hidden(page, url, shelf, capsys):
    page.goto(url)
    page.wait_for_selector("#question textarea")
    kb = shelf.get(TXT)
    plan_words = {w for n in kb.nodes for w in re.findall(r"[A-Za-z]{2,}", f"{n.title} {n.text} {n.doc}")}
    tabs = page.locator("[role=tab]")
    assert [t.inner_text().strip() for t in tabs.all()] == list(TABS)
    assert all(t.is_visible() for t in tabs.all()), "a tab is hidden behind a menu"
    assert page.get_by_label("More tabs").count() == 0 or not page.get_by_label("More tabs").is_visible()
    for i, name in enumerate(TABS, start=1):
        go(page, name)
        page.wait_for_timeout(400)
        assert english_on_screen(page, plan_words) == [], f"English on the {name} tab"
        shot(page, f"{i:02d}-{name}", capsys)
        if name == "指标清单" and page.kb_size == "desktop":  # the table's own menu: sort and filter
            header = page.locator("#register-table th").nth(1)
            header.hover()
            header.locator(".cell-menu-button").click()
            page.get_by_text("清除筛选").wait_for()
            assert english_on_screen(page, plan_words) == [], "English in the table's menu"
            page.keyboard.press("Escape")
            page.locator("#kb-header").click()
    # the tab order is the same after picking one (nothing moved out of a menu)
    assert [t.inner_text().strip() for t in page.locator("[role=tab]").all()] == list(TABS)
    go(page, "问答")


# ----------------------------------------------------------------------- chat


def test_after_asking_the_answer_is_on_screen(page, url, capsys):
    go(page, "问答")
    clear_chat(page)
    for question in (OWNER_Q, STRAW_Q, "那到什么时候完成？"):
        ask(page, question)
        # the newest answer's first line is inside the chat's visible area and inside the window
        page.wait_for_function("""() => { const cards = document.querySelectorAll('#chatbot .answer-card');
            const el = cards[cards.length - 1]; if (!el) return false; const r = el.getBoundingClientRect();
            const box = document.querySelector('#chatbot').getBoundingClientRect();
            return r.top >= Math.max(0, box.top) - 1 && r.top + 24 <= Math.min(innerHeight, box.bottom); }""")
    card = page.locator("#chatbot .answer-card", has=page.locator(".fact-name")).last
    assert card.locator(".fact-name").all_inner_texts()[:3] == ["责任主体", "目标", "期限"]
    assert not page.locator("#chatbot details.citations").last.get_attribute("open")  # citations folded
    shot(page, "chat-answer-in-view", capsys)


def test_copy_puts_plain_text_with_the_citation_on_the_clipboard(desktop, shelf):
    go(desktop, "问答")
    ask(desktop, OWNER_Q)
    desktop.locator("#chatbot .answer-card .kb-copy").last.click()
    desktop.get_by_text("已复制").wait_for()
    copied = desktop.evaluate("() => navigator.clipboard.readText()")
    assert "<" not in copied and "answer-card" not in copied and "【" not in copied
    assert "责任主体：" in copied and "生态环境部门" in copied
    assert copied.splitlines()[-1].startswith("出处：《巴中市十四五生态环境保护规划》") and "p.51" in copied


def test_the_conversation_survives_a_reload_and_exports(desktop, url, tmp_path, capsys):
    go(desktop, "问答")
    clear_chat(desktop)
    ask(desktop, OWNER_Q)
    ask(desktop, STRAW_Q)
    desktop.reload()
    desktop.wait_for_selector("#question textarea")
    desktop.locator("#chatbot .answer-card").nth(1).wait_for()
    users = desktop.locator("#chatbot .message-row.user-row").all_inner_texts()
    assert [u.strip() for u in users] == [OWNER_Q, STRAW_Q]
    desktop.locator("#chat-export").get_by_text("导出对话").click()
    desktop.locator("#chat-format").get_by_text("Markdown（md）").click()
    desktop.locator("#chat-export-button").click()
    with desktop.expect_download() as download:
        desktop.locator("#chat-download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert saved.name == "问答记录.md" and f"## 1. {OWNER_Q}" in text and f"## 2. {STRAW_Q}" in text
    assert "<" not in text
    shot(desktop, "chat-after-reload", capsys)


def test_thumbs_are_written_beside_the_index(desktop, shelf):
    go(desktop, "问答")
    ask(desktop, OWNER_Q)
    feedback = shelf.feedback_file(TXT)
    before = feedback.read_text(encoding="utf-8").count("\n") if feedback.exists() else 0
    desktop.locator("#chatbot button[aria-label='踩']").last.click()
    desktop.wait_for_timeout(800)
    lines = feedback.read_text(encoding="utf-8").splitlines()
    assert len(lines) == before + 1
    vote = json.loads(lines[-1])
    assert vote["vote"] == "down" and vote["question"] == OWNER_Q and vote["index"] == TXT and vote["citations"]


# ------------------------------------------------------------ the source page


def test_a_citation_opens_its_pdf_page_with_the_passage_highlighted(page, url, capsys):
    go(page, "问答")
    use_kb(page, PDF)
    ask(page, STRAW_Q)
    page.locator("#chatbot .answer-card .card-actions .kb-open").last.click()
    image = page.locator("#source-view .pdf-sheet img").first
    image.wait_for()
    marks = page.locator("#source-view .pdf-mark")
    assert marks.count() >= 3 and "PDF 原页" in page.locator("#source-view .kb-where").inner_text()
    page.wait_for_function("""() => { const m = document.querySelector('#source-view .pdf-mark');
        const p = document.querySelector('#source-panel').getBoundingClientRect();
        if (!m || Math.abs(p.right - innerWidth) > 1) return false;  // the panel has slid in
        const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }""")
    page.wait_for_timeout(400)
    inside = page.evaluate("""() => { const s = document.querySelector('#source-view .pdf-sheet img').getBoundingClientRect();
        return [...document.querySelectorAll('#source-view .pdf-mark')].every(m => { const r = m.getBoundingClientRect();
          return r.left >= s.left - 3 && r.right <= s.right + 3 && r.top >= s.top && r.bottom <= s.bottom; }); }""")
    assert inside, "a highlight lies outside its page"
    shot(page, "source-pdf-page", capsys)
    # … and from there into the outline, the clause opened and marked
    page.locator("#source-view .kb-outline").click()
    page.wait_for_function("() => document.querySelector('#outline-tree .kb-target')")
    assert page.get_by_role("tab", name="大纲").get_attribute("aria-selected") == "true"
    assert "加强农业面源污染控制" in page.locator("#outline-tree .kb-target summary").inner_text()
    assert page.locator("#outline-reader .kb-target").count() == 1
    shot(page, "outline-from-citation", capsys)
    assert not page.locator("#source-panel.open").count()  # the jump closed the panel
    go(page, "问答")
    use_kb(page, TXT)


def test_a_txt_citation_opens_the_clause_in_the_text_and_says_pages_are_estimated(desktop):
    go(desktop, "问答")
    ask(desktop, STRAW_Q)
    desktop.locator("#chatbot .answer-card .card-actions .kb-open").last.click()
    target = desktop.locator("#source-view .doc-view .kb-target")
    target.wait_for()
    assert "从源头上杜绝秸秆焚烧现象" in target.inner_text()
    assert "页码为估算" in desktop.locator("#source-view").inner_text()
    desktop.wait_for_function("""() => { const r = document.querySelector('#source-view .kb-target').getBoundingClientRect();
        return r.top >= 0 && r.top < innerHeight; }""")
    desktop.locator("#source-close").click()
    desktop.wait_for_function("() => !document.querySelector('#source-panel.open')")


# -------------------------------------------------------------------- outline


def test_the_outline_opens_closes_and_reads_a_whole_chapter(page, capsys):
    go(page, "大纲")
    page.locator(".kb-expand[data-kb-tree=close]").click()
    chapter = page.locator("#outline-tree details.kind-chapter", has_text="第五章").first
    chapter.locator(":scope > summary").click()
    assert chapter.evaluate("d => d.open") is True
    section = chapter.locator("details.kind-section", has_text="第三节 强化面源污染治理").first
    assert section.is_visible()
    chapter.locator(":scope > summary .kb-read").click()
    reader = page.locator("#outline-reader .doc-view")
    reader.get_by_text("第三节 强化面源污染治理").first.wait_for()
    # the reader may render again as the phone layout settles: assertions that retry until it has
    from playwright.sync_api import expect

    expect(reader).to_contain_text("从源头上杜绝秸秆焚烧现象")
    expect(reader).not_to_contain_text("第六章")
    shot(page, "outline-chapter", capsys)
    page.locator(".kb-expand[data-kb-tree=close]").click()
    assert chapter.evaluate("d => d.open") is False


# ------------------------------------------------------------------- auditors


def test_the_register_shows_citations_sorts_visibly_and_downloads_with_a_filter(desktop, shelf, tmp_path):
    from openpyxl import load_workbook

    go(desktop, "指标清单")
    headers = desktop.locator("#register-table thead th, #register-table [role=columnheader]").all_inner_texts()
    assert headers and headers[0].strip().startswith("出处") and not any("编号" in h for h in headers)
    pick(desktop, "#register-sort", "页码")
    desktop.locator("#register-direction").get_by_text("降序").click()
    pages = [n.page for n in shelf.get(TXT).nodes if n.page]
    desktop.wait_for_function("p => document.querySelector('#register-table [role=row][data-index]')?.innerText"
                              ".includes('p.' + p)", arg=max(c.page or 0 for c in shelf.get(TXT).targets()))
    assert pages
    assert desktop.locator("#indicator-chart .chart-row").count() >= 5
    with desktop.expect_download() as download:
        desktop.locator("#register-download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet.auto_filter.ref and sheet.freeze_panes == "A2" and sheet["A1"].value == "出处"
    source = [c.value for c in sheet[1]].index("来源")
    assert {r[source].value for r in sheet.iter_rows(min_row=2)} == {"指标表", "条款"}


def test_the_chart_labels_fit_on_a_phone(page):
    go(page, "指标清单")
    rows = page.locator("#indicator-chart .chart-row")
    rows.first.wait_for()
    overflow = page.evaluate("""() => [...document.querySelectorAll('#indicator-chart .chart-row')].filter(r =>
        r.scrollWidth > r.clientWidth + 1 || r.getBoundingClientRect().right > innerWidth + 1).length""")
    assert overflow == 0
    assert "μg/m³" in page.locator("#indicator-chart").inner_text() or "%" in page.locator("#indicator-chart").inner_text()


def test_locate_flags_a_changed_number_and_finds_a_table_row(desktop, capsys):
    go(desktop, "条款定位")
    desktop.locator("#locate-phrase textarea").fill("确保到2025年，全市秸秆综合利用率不低于95%")
    desktop.locator("#locate-button").click()
    hit = desktop.locator("#locate-result .locate-hit").first
    hit.wait_for()
    assert "数字不同：引文为 95%，原文为 92%" in hit.locator(".number-flag").inner_text()
    assert hit.locator(".diff-del").first.inner_text() == "5" and hit.locator(".diff-ins").first.inner_text() == "2"
    shot(desktop, "locate-diff", capsys)
    desktop.locator("#locate-phrase textarea").fill("城镇污水处理率(%) 95.92 ≥96")
    desktop.locator("#locate-button").click()
    desktop.locator("#locate-result .locate-hit", has_text="「城镇污水处理率(%)」").first.wait_for()
    assert "原文一致" in desktop.locator("#locate-result .locate-hit").first.inner_text()


# ------------------------------------------------------------------- trainers


def test_the_quiz_download_follows_the_format_at_once(desktop, tmp_path):
    from openpyxl import load_workbook

    go(desktop, "出题")
    desktop.locator("#quiz-button").click()
    desktop.locator("#quiz-preview .quiz-item").first.wait_for()
    with desktop.expect_download() as download:
        desktop.locator("#quiz-download").click()
    assert download.value.suggested_filename == "测验.docx"
    desktop.locator("#quiz-format").get_by_text("Excel（xlsx）").click()
    desktop.wait_for_function("() => document.querySelector('#quiz-download')?.innerText.includes('Excel')")
    with desktop.expect_download() as download:
        desktop.locator("#quiz-download").click()
    assert download.value.suggested_filename == "测验.xlsx"
    saved = tmp_path / "测验.xlsx"
    download.value.save_as(saved)
    assert [c.value for c in load_workbook(saved).active[1]][3:7] == ["选项A", "选项B", "选项C", "选项D"]


# ------------------------------------------------------------------ documents


def test_an_upload_is_previewed_indexed_searchable_then_removed(desktop, shelf, tmp_path, capsys):
    name = "青山县农村生态环境保护实施意见"
    upload = tmp_path / f"{name}.txt"
    shutil.copy(DATA / "hanzi_opinion.txt", upload)
    go(desktop, "文档")
    assert desktop.locator("#docs-list .doc-row").count() == 1
    desktop.locator("#docs-upload input[type=file]").set_input_files(str(upload))
    desktop.locator("#docs-preview .parse-preview").wait_for()
    assert f"《{name}》解析结果" in desktop.locator("#docs-preview").inner_text()
    shot(desktop, "docs-preview", capsys)
    desktop.locator("#docs-add").click()
    desktop.locator("#docs-status .kb-ok").wait_for(timeout=60_000)
    assert f"已加入《{name}》" in desktop.locator("#docs-status").inner_text()
    desktop.locator("#docs-list .doc-row", has_text=name).wait_for()
    assert name in shelf.get(TXT).documents
    shot(desktop, "docs-added", capsys)

    go(desktop, "问答")
    ask(desktop, "禁养区内不得新建什么？")
    card = desktop.locator("#chatbot details.citations").last
    assert name in card.text_content() and "规模化畜禽养殖场" in desktop.locator("#chatbot .answer-card").last.inner_text()

    go(desktop, "文档")
    pick(desktop, "#docs-pick", name)
    desktop.locator("#docs-confirm input").check()
    desktop.locator("#docs-remove").click()
    desktop.locator("#docs-status", has_text=f"已从索引中删除《{name}》").wait_for(timeout=60_000)
    desktop.wait_for_function("name => !document.querySelector('#docs-list').innerText.includes(name)", arg=name)
    assert name not in shelf.get(TXT).documents
