"""The app in a real browser: Debian's headless Chromium driven by Playwright.

The server runs in-process on 127.0.0.1 (a free port) over the fake-encoder
index; the page may fetch nothing but that server (every other request is
refused and fails the test).  Screenshots go to test-output/browser/ (gitignored)
so a person can look at what a first-time user sees.

Needs /usr/bin/chromium and fonts-noto-cjk (`make browser-deps`); never
`playwright install`.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.paths import ROOT

from kb.interfaces.web.app import create_app, launch
from kb.interfaces.web.views import cite_path

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def url(plan_kb) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (run `make browser-deps`: "
                    "apt-get install chromium fonts-noto-cjk)")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    demo = create_app(plan_kb)
    port = free_port()
    launch(demo, "127.0.0.1", port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def browser(url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser, url):
    """One zh-CN browser tab, shared (each test switches to the app tab it checks); it may reach no other host."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900}, accept_downloads=True)
    outside: list[str] = []
    # Listening, not routing: a route would pass each of Gradio's ~100 script chunks through Python.
    context.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:")) else outside.append(r.url))
    tab = context.new_page()
    tab.set_default_timeout(WAIT)
    tab.goto(url)
    tab.wait_for_selector("#question textarea")
    yield tab
    context.close()
    assert outside == [], f"the page tried to reach other hosts: {outside}"


def shot(page, name: str, capsys, full_page: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    with capsys.disabled():
        print(f"\n  screenshot: {path}")
    return path


def pick(page, dropdown: str, option: str) -> None:
    """Choose an option of a Gradio dropdown by its label."""
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_first_screen_and_a_chat_with_follow_up(page, url, plan_kb, capsys):
    page.goto(url)  # a first visit, whatever ran before
    page.wait_for_selector("#question textarea")
    assert "《巴中市十四五生态环境保护规划》知识库" in page.locator("#kb-header").inner_text()
    cards = page.locator("#chatbot button.example")  # example questions inside the empty chat
    assert cards.count() == 4 and "哪个部门负责环境应急联动？" in cards.first.inner_text()
    for q in ("哪个部门负责环境应急联动？", "农民烧秸秆怎么管？"):  # and beside it, for later turns
        assert page.locator(".example-btn", has_text=q).is_visible()
    shot(page, "01-first-screen", capsys)

    page.locator("#question textarea").fill("哪个部门负责环境应急联动？")
    page.keyboard.press("Enter")
    card = page.locator("#chatbot .answer-card").first
    card.locator(".owners .chip").first.wait_for()
    assert "生态环境部门" in card.locator(".owners").inner_text()
    assert card.locator(".answer-text mark").count() > 0
    citations = page.locator("#chatbot details.citation")
    assert citations.count() == 5
    first = citations.first
    assert "「提升应急响应能力」" in first.locator("summary").inner_text()
    first.locator("summary").click()
    assert first.locator(".clause-text").is_visible()
    shot(page, "02-answer", capsys)

    page.locator(".example-btn", has_text="农民烧秸秆怎么管？").click()
    page.locator("#chatbot .answer-card").nth(1).wait_for()
    page.locator("#question textarea").fill("那到什么时候完成？")
    page.locator("#send").click()
    follow_up = page.locator("#chatbot .answer-card").nth(2)
    follow_up.wait_for()
    # The reply is kb.ask's answer to the follow-up *with the two earlier questions as history*.
    first = plan_kb.ask("哪个部门负责环境应急联动？")
    second = plan_kb.ask("农民烧秸秆怎么管？", history=[first.searched])
    expected = plan_kb.ask("那到什么时候完成？", history=[first.searched, second.searched])
    assert "秸秆" in expected.searched
    cited = page.locator("#chatbot .citations").nth(2).locator("summary").first.inner_text()
    assert cite_path(expected.citations[0].node) in cited
    shot(page, "03-follow-up", capsys)

    page.locator("#clear").click()
    page.locator("#chatbot button.example", has_text="城镇污水处理率").click()
    page.locator("#chatbot .answer-card .indicator").wait_for()
    assert "95.92" in page.locator("#chatbot .answer-card .indicator").inner_text()


def test_register_tab_table_filter_download_and_chart(page, plan_kb, capsys, tmp_path):
    from openpyxl import load_workbook

    page.get_by_role("tab", name="指标清单").click()
    rows = page.locator("#register-table [role=row][data-index]")
    rows.first.wait_for()
    assert rows.count() >= 3
    total = len(plan_kb.targets())
    assert f"共 {total} 项承诺" in page.locator("#register-summary").inner_text()
    assert page.locator("#indicator-chart svg, #indicator-chart canvas").count() > 0
    shot(page, "04-register", capsys, full_page=True)

    page.locator("#register-query textarea").fill("污水")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "total => !document.querySelector('#register-summary').innerText.includes(`共 ${total} 项`)", arg=total)
    with page.expect_download() as download:
        page.locator("#register-download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "承诺清单.xlsx"
    sheet = load_workbook(saved).active
    assert 1 < sheet.max_row - 1 < total and all("污水" in " ".join(str(c.value) for c in r) for r in sheet.iter_rows(2))


def test_locate_tab_finds_a_phrase(page, capsys):
    page.get_by_role("tab", name="条款定位").click()
    page.locator("#locate-phrase textarea").fill("从源头上杜绝秸秆焚烧现象")
    page.locator("#locate-button").click()
    hit = page.locator("#locate-result .locate-hit").first
    hit.wait_for()
    assert "「加强农业面源污染控制」" in hit.inner_text() and "p.33" in hit.inner_text()
    assert hit.locator(".context mark").inner_text() == "从源头上杜绝秸秆焚烧现象"
    shot(page, "05-locate", capsys)

    page.locator("#locate-phrase textarea").fill("火星基地建设规划")
    page.locator("#locate-button").click()
    page.get_by_text("未找到「火星基地建设规划」").wait_for()


def test_quiz_tab_previews_questions_and_offers_the_file(page, capsys):
    page.get_by_role("tab", name="出题").click()
    page.locator("#quiz-button").click()
    items = page.locator("#quiz-preview .quiz-item")
    items.first.wait_for()
    assert items.count() == 10
    assert page.locator("#quiz-download").is_visible()
    shot(page, "06-quiz", capsys)


def test_outline_reads_a_clause_in_context(page, capsys):
    page.get_by_role("tab", name="大纲").click()
    pick(page, "#outline-chapter", "第五章 深化协同控制，持续改善环境空气质量")
    pick(page, "#outline-part", "第三节 强化面源污染治理")
    pick(page, "#outline-leaf", "加强农业面源污染控制")
    current = page.locator("#outline-context details.current")
    page.wait_for_function(
        "() => document.querySelector('#outline-context .current summary')?.innerText.includes('加强农业面源污染控制')")
    assert "从源头上杜绝秸秆焚烧现象" in current.locator(".clause-text").inner_text()
    assert page.locator("#outline-context details.clause").count() >= 2  # its siblings, folded
    assert "p.33" in page.locator("#outline-context .current-cite").inner_text()
    shot(page, "07-outline", capsys)
