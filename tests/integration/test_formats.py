"""Word and web pages: every format reaches the same tree through the same segmenter.

The .docx files are built here with python-docx (heading styles; plain paragraphs
numbered by Word's own list numbering; merged table cells), the web pages are
written as a government site saves them (navigation, metadata box, footer).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.paths import DATA

from kb.ingest.docx import chinese_number, format_number
from kb.ingest.loaders import IngestError, load
from kb.ingest.parse import parse_file, parse_paths

SMALL = DATA / "small_plan.txt"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def tree(doc) -> list[tuple[str, str, str]]:
    return [(n.id, n.kind, n.title) for n in doc.nodes]


def everything(doc) -> str:
    return "\n".join(f"{n.title}\n{n.text}" for n in doc.nodes)


# ------------------------------------------------------------------ docx


def _styled_docx(path: Path) -> Path:
    """Headings by style only (no numbers in their text), as a drafting office types a plan."""
    import docx

    d = docx.Document()
    d.add_paragraph("青山县大气环境保护实施方案", style="Title")
    d.add_paragraph("为持续改善空气质量，制定本方案。")
    d.add_heading("总体要求", level=1)
    d.add_heading("指导思想", level=2)
    d.add_paragraph("坚持以改善空气质量为核心，推动全县大气环境质量持续好转。")
    d.add_heading("工作目标", level=2)
    d.add_paragraph("到 2025 年，细颗粒物年均浓度控制在30微克/立方米以下。")
    d.add_heading("重点任务", level=1)
    p = d.add_paragraph()
    p.add_run("深化工业污染治理。").bold = True
    p.add_run("推进燃煤锅炉淘汰。")
    d.add_heading("保障措施", level=1)
    d.add_paragraph("各乡镇、各部门要加强组织领导。")
    d.save(path)
    return path


def _numbered_docx(path: Path) -> Path:
    """Plain paragraphs whose 一、/（一）/1. numbers are drawn by Word's list numbering (w:numPr)."""
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="90">'
        '<w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
        '</w:abstractNum>'
    ))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int) -> None:
        p = d.add_paragraph(text)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'
        ))

    d.add_paragraph("关于加强秸秆综合利用的实施意见")
    d.add_paragraph("为做好秸秆综合利用工作，提出如下意见。")
    numbered("总体要求", 0)
    numbered("指导思想", 1)
    d.add_paragraph("坚持农用优先、多元利用。")
    numbered("主要目标", 1)
    d.add_paragraph("到2025年，秸秆综合利用率达到92%以上。")
    numbered("重点任务", 0)
    numbered("推进肥料化利用", 1)
    numbered("推广秸秆还田。", 2)
    numbered("建设堆肥设施。", 2)
    numbered("推进饲料化利用", 1)
    numbered("发展青贮饲料。", 2)
    numbered("保障措施", 0)
    d.add_paragraph("各地要加强组织领导，落实工作责任。")
    d.save(path)
    return path


def _table_docx(path: Path) -> Path:
    """A 专栏 indicator table with a title row across it, a vertically merged 类别 and a horizontal merge."""
    import docx

    d = docx.Document()
    d.add_paragraph("第一章 主要目标")
    d.add_paragraph("到2025年，全县空气质量持续改善。")
    t = d.add_table(rows=6, cols=4)
    rows = [
        ["专栏1 主要指标", "", "", ""],
        ["类别", "序号", "指标名称", "2025年目标"],
        ["环境质量", "1", "细颗粒物浓度（微克/立方米）", "30"],
        ["", "2", "优良天数比率（%）", "92"],
        ["污染减排", "3", "氮氧化物减少（%）", "10"],
        ["", "4", "合计说明", ""],
    ]
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            if text:
                t.cell(r, c).text = text
    t.cell(0, 0).merge(t.cell(0, 3))  # the title row spans the table
    t.cell(2, 0).merge(t.cell(3, 0))  # 环境质量 spans rows 1–2
    t.cell(4, 0).merge(t.cell(5, 0))  # 污染减排 spans rows 3–4
    t.cell(5, 2).merge(t.cell(5, 3))  # 合计说明 spans two columns
    d.add_paragraph("第二章 重点任务")
    d.add_paragraph("推进燃煤锅炉淘汰，完成清零任务。")
    d.save(path)
    return path


def test_heading_styles_give_the_levels(tmp_path):
    doc = parse_file(_styled_docx(tmp_path / "styled.docx"))
    assert tree(doc) == [
        ("preamble", "preamble", "青山县大气环境保护实施方案"),
        ("ch1", "chapter", "总体要求"),
        ("ch1.s1", "section", "指导思想"),
        ("ch1.s1.c1", "clause", "坚持以改善空气质量为核心，推动全县大气环境质量持续好转"),
        ("ch1.s2", "section", "工作目标"),
        ("ch1.s2.c1", "clause", "到 2025 年，细颗粒物年均浓度控制在30微克/立方米以下"),
        ("ch2", "chapter", "重点任务"),
        ("ch2.c1", "clause", "深化工业污染治理"),
        ("ch3", "chapter", "保障措施"),
        ("ch3.c1", "clause", "各乡镇、各部门要加强组织领导"),
    ]
    assert doc.scheme == "styled"
    assert doc.nodes[0].text == "青山县大气环境保护实施方案\n为持续改善空气质量，制定本方案。"


def test_word_list_numbering_is_rendered_as_typed_numbers(tmp_path):
    path = _numbered_docx(tmp_path / "numbered.docx")
    lines = [ln.text for ln in load(path).lines]
    assert "一、总体要求" in lines and "（二）主要目标" in lines and "三、保障措施" in lines
    assert lines.index("1.推广秸秆还田。") < lines.index("2.建设堆肥设施。") < lines.index("1.发展青贮饲料。"), (
        "a deeper level restarts under each new （n）"
    )
    doc = parse_file(path)
    assert doc.scheme == "hanzi"
    assert [(n.id, n.title) for n in doc.nodes if n.kind in ("chapter", "section")] == [
        ("ch1", "一、总体要求"), ("ch1.s1", "（一）指导思想"), ("ch1.s2", "（二）主要目标"),
        ("ch2", "二、重点任务"), ("ch2.s1", "（一）推进肥料化利用"), ("ch2.s2", "（二）推进饲料化利用"),
        ("ch3", "三、保障措施"),
    ]
    clauses = {n.parent: [] for n in doc.nodes}
    for n in doc.nodes:
        if n.kind == "clause":
            clauses[n.parent].append(n.title)
    assert clauses["ch2.s1"] == ["1.推广秸秆还田", "2.建设堆肥设施"]
    assert clauses["ch1.s2"] == ["到2025年，秸秆综合利用率达到92%以上"]


def test_merged_cells_make_a_real_table(tmp_path):
    doc = parse_file(_table_docx(tmp_path / "table.docx"))
    rows = [n for n in doc.nodes if n.kind == "row"]
    box = next(n for n in doc.nodes if n.kind == "box")
    assert box.title == "专栏1 主要指标", "the row across the table is its caption"
    assert [n.id for n in rows] == ["box1.r1", "box1.r2", "box1.r3", "box1.r4"]
    assert [dict(n.columns)["类别"] for n in rows] == ["环境质量", "环境质量", "污染减排", "污染减排"]
    assert dict(rows[1].columns) == {"类别": "环境质量", "序号": "2", "指标名称": "优良天数比率（%）", "2025年目标": "92"}
    assert dict(rows[3].columns)["指标名称"] == "合计说明" and dict(rows[3].columns)["2025年目标"] == ""
    assert [n.id for n in doc.nodes if n.kind == "chapter"] == ["ch1", "ch2"]
    assert next(n for n in doc.nodes if n.id == "ch2.c1").text == "推进燃煤锅炉淘汰，完成清零任务。"


def test_numbers_as_word_draws_them():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 21, 99, 100, 105, 120)] == [
        "一", "九", "十", "十一", "二十", "二十一", "九十九", "一百", "一百零五", "一百二十"]
    assert format_number(3, "decimalEnclosedCircle") == "③"
    assert format_number(2, "ideographTraditional") == "乙"
    assert format_number(12, "decimalFullWidth") == "１２"
    assert format_number(4, "upperRoman") == "IV" and format_number(28, "lowerLetter") == "bb"


def test_deleted_text_and_toc_entries_are_not_read(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    toc = d.styles.add_style("toc 1", 1)
    d.add_paragraph("第一章 总则 1", style=toc)
    d.add_paragraph("第一章 总则")
    p = d.add_paragraph("保留的文字。")
    p._p.append(parse_xml(f'<w:del xmlns:w="{W_NS}" w:id="1" w:author="x"><w:r><w:delText>删掉的文字</w:delText></w:r></w:del>'))
    path = tmp_path / "edits.docx"
    d.save(path)
    text = everything(parse_file(path))
    assert "保留的文字" in text and "删掉的文字" not in text
    assert [ln.text for ln in load(path).lines].count("第一章 总则 1") == 0


def test_pages_are_the_ones_word_last_laid_out(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("第一章 总则")
    d.add_paragraph("第一段正文，写在第一页。")
    p = d.add_paragraph()
    p.add_run("跨页的段落，开头在第一页，")
    p.add_run()._r.append(parse_xml(f'<w:lastRenderedPageBreak xmlns:w="{W_NS}"/>'))
    p.add_run("结尾在第二页。")
    d.add_paragraph("第二页的段落。")
    path = tmp_path / "paged.docx"
    d.save(path)
    assert [(ln.text, ln.page) for ln in load(path).lines] == [
        ("第一章 总则", 1), ("第一段正文，写在第一页。", 1), ("跨页的段落，开头在第一页，结尾在第二页。", 1), ("第二页的段落。", 2),
    ]
    assert [n.pages for n in parse_file(path).nodes] == ["p.1", "p.1", "p.1", "p.2"]


def _cfb(*streams: str) -> bytes:
    """The start of an OLE compound file whose directory names the given streams."""
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
            + b"".join(s.encode("utf-16-le").ljust(64, b"\x00") + bytes(64) for s in streams))


BAD = {
    "password-protected docx": ("locked.docx", lambda p: p.write_bytes(_cfb("EncryptionInfo", "EncryptedPackage")),
                                ["protected with a password", "unprotected copy"]),
    "doc saved as docx": ("old.docx", lambda p: p.write_bytes(_cfb("WordDocument", "1Table")),
                          ["old Word .doc", "save it as .docx"]),
    "zip that is not word": ("sheet.docx", lambda p: shutil.make_archive(str(p.with_suffix("")), "zip",
                                                                         DATA) and p.with_suffix(".zip").rename(p),
                             ["not a Word document", "word/document.xml"]),
    "not a zip": ("text.docx", lambda p: p.write_text("第一章 总则", encoding="utf-8"), ["not a Word .docx"]),
    "empty docx": ("empty.docx", lambda p: p.write_bytes(b""), ["empty"]),
    "html without an article": ("nav.html", lambda p: p.write_text(NAV_ONLY, encoding="utf-8"),
                                ["no article body"]),
    "frameset": ("frames.htm", lambda p: p.write_text(
        '<html><frameset cols="20%,80%"><frame src="a.htm"><frame src="b.htm"></frameset></html>', encoding="utf-8"),
                 ["frameset"]),
    "not html": ("plain.html", lambda p: p.write_text("只是一行字", encoding="utf-8"), ["not an HTML page"]),
}


@pytest.fixture(params=sorted(BAD))
def bad_file(request, tmp_path) -> tuple[Path, list[str]]:
    name, make, words = BAD[request.param]
    folder = tmp_path / "corpus"
    folder.mkdir()
    make(folder / name)
    return folder / name, words


def test_bad_office_file_is_one_clear_line(bad_file):
    path, words = bad_file
    with pytest.raises(IngestError) as info:
        parse_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message and "Traceback" not in message
    for word in words:
        assert word in message


def test_bad_office_file_does_not_stop_the_corpus(bad_file):
    path, words = bad_file
    shutil.copy(SMALL, path.parent / "small_plan.txt")
    _styled_docx(path.parent / "styled.docx")
    docs, errors = parse_paths([path.parent])
    assert sorted(d.name for d in docs) == ["small_plan", "styled"]
    assert len(docs[0].nodes) > 5 and len(docs[1].nodes) == 10
    assert [e.path for e in errors] == [path] and all(w in str(errors[0]) for w in words)


# ------------------------------------------------------------------ html

CHROME = ["首页", "政务公开", "请输入关键词", "当前位置", "打印本页", "关闭窗口", "ICP备", "公网安备", "主办单位",
          "分享到", "浏览次数", "相关文件", "网站标识码", "联系电话"]

MODERN_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>青山县人民政府办公室关于印发青山县大气环境保护规划的通知_政策文件_青山县人民政府</title>
<meta name="ArticleTitle" content="青山县人民政府办公室关于印发青山县大气环境保护规划的通知">
<script>var _hmt = _hmt || [];</script><style>.nav{float:left}</style></head><body>
<div class="top">无障碍浏览 | 长者模式 | <a href="/login">登录</a></div>
<div class="header"><div class="search"><form action="/search"><input name="q" placeholder="请输入关键词">
<button>搜索</button></form></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/bs">政务服务</a></li>
<li><a href="/hd">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; <a>政策文件</a></div>
<div class="xxgk"><table>
<tr><td>索引号：</td><td>11511900MB1234567X/2022-00012</td><td>主题分类：</td><td>生态环境</td></tr>
<tr><td>发文机关：</td><td>青山县人民政府办公室</td><td>成文日期：</td><td>2022年03月10日</td></tr>
<tr><td>发文字号：</td><td>青府办发〔2022〕5号</td><td>发布日期：</td><td>2022年03月15日</td></tr>
</table></div>
<div class="article"><h1>青山县人民政府办公室关于印发青山县大气环境保护规划的通知</h1>
<div class="info"><span>发布时间：2022-03-15</span><span>浏览次数：<em>1024</em></span></div>
<div class="content" id="zoom">
<p>各乡镇人民政府，县级各部门：</p>
<p>　　《青山县大气环境保护规划》已经县政府同意，现印发给你们，请认真贯彻执行。</p>
<p style="text-align:right">青山县人民政府办公室</p>
<h2 style="text-align:center">青山县大气环境保护规划</h2>
<p><strong>一、总体要求</strong></p>
<p>　　（一）指导思想。坚持以改善空气质量为核心，推动全县大气环境质量持续好转。</p>
<p><b>二、主要目标</b></p>
<p>　　到 2025 年，全县细颗粒物年均浓度控制在 30 微克/立方米以下。</p>
<table border="1">
<tr><td>序号</td><td>指标</td><td>2020年</td><td>2025年</td><td>属性</td></tr>
<tr><td>1</td><td>细颗粒物浓度（微克/立方米）</td><td>35</td><td>30</td><td rowspan="2">约束性</td></tr>
<tr><td>2</td><td>空气质量优良天数比率（%）</td><td>88.5</td><td>92</td></tr>
<tr><td>3</td><td colspan="3">重污染天气基本消除</td><td>预期性</td></tr>
</table>
<p><strong>三、重点任务</strong></p>
<p>　　（一）深化工业污染治理。推进燃煤锅炉淘汰。</p>
<p>　　（二）强化移动源污染防治。加快淘汰老旧柴油货车。</p>
</div>
<div class="fx">分享到：<a>微信</a> <a>微博</a></div>
<div class="btns"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="related"><h3>相关文件</h3><ul><li><a href="/a1">青山县人民政府关于加强秸秆禁烧工作的通知</a></li>
<li><a href="/a2">青山县重污染天气应急预案</a></li></ul></div>
<div class="footer"><p>主办单位：青山县人民政府办公室　承办：青山县大数据中心</p>
<p>网站标识码：5119000001　<a href="https://beian.example">蜀ICP备12345678号-1</a>　川公网安备 51190202000123号</p>
<p>联系电话：0827-1234567</p></div>
</body></html>
"""

#: An old CMS page laid out with nested tables, saved in GB2312.
TABLE_LAYOUT_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于做好秸秆综合利用工作的通知</title></head>
<body><table width="1000"><tr><td><img src="banner.jpg"></td></tr>
<tr><td><a href="/">网站首页</a> | <a>机构概况</a> | <a>新闻动态</a> | <a>政策法规</a> | <a>联系我们</a></td></tr>
<tr><td>您现在的位置：<a>首页</a> &gt;&gt; <a>通知公告</a></td></tr>
<tr><td><table width="100%"><tr><td width="200" valign="top"><ul><li><a>通知公告</a></li><li><a>工作动态</a></li></ul>
<form>站内搜索：<input type="text" name="kw"><input type="submit" value="搜索"></form></td>
<td valign="top"><table width="100%"><tr><td align="center">关于做好秸秆综合利用工作的通知</td></tr>
<tr><td align="center">发布日期：2021-06-01　　点击数：356</td></tr>
<tr><td class="zw">
<p>各镇（街道）农业服务中心：</p>
<p>为做好今年夏季秸秆综合利用和禁烧工作，现将有关事项通知如下：</p>
<p><b>一、提高思想认识</b></p>
<p>秸秆综合利用是改善农村人居环境的重要举措，各单位要切实增强责任感和紧迫感。</p>
<p><b>二、落实工作责任</b></p>
<p>各镇（街道）要把秸秆综合利用任务分解到村、落实到户，确保秸秆综合利用率达到 92% 以上。</p>
<table border="1" cellspacing="0">
<tr><td>类别</td><td>项目</td><td>目标</td></tr>
<tr><td rowspan="2">综合利用</td><td>肥料化</td><td>60%</td></tr>
<tr><td>饲料化</td><td>20%</td></tr>
<tr><td colspan="2">合计</td><td>92%</td></tr>
</table>
<p><b>三、加强督促检查</b></p>
<p>局将组织专项督查，督查结果纳入年度考核。</p>
</td></tr>
<tr><td align="center">【<a href="javascript:window.print()">打印本页</a>】　【<a href="javascript:window.close()">关闭窗口</a>】</td></tr>
</table></td></tr></table></td></tr>
<tr><td align="center">版权所有：县农业农村局　技术支持：某某网络公司<br>备案号：浙ICP备05012345号</td></tr></table>
</body></html>
"""

NAV_ONLY = """<html><head><meta charset="utf-8"><title>政策文件_青山县人民政府</title></head><body>
<ul class="nav"><li><a href="/">首页</a></li><li><a>政务公开</a></li><li><a>政务服务</a></li></ul>
<ul class="list"><li><a href="/a1">关于加强秸秆禁烧工作的通知</a> 2022-03-01</li>
<li><a href="/a2">重污染天气应急预案</a> 2022-02-11</li><li><a href="/a3">大气环境保护规划</a> 2022-01-05</li></ul>
<div class="page">共3条 首页 上一页 1 下一页 尾页</div>
<div class="footer">主办单位：青山县人民政府办公室 蜀ICP备12345678号</div></body></html>
"""


def test_web_page_keeps_the_article_and_drops_the_site(tmp_path):
    path = tmp_path / "notice.html"
    path.write_text(MODERN_PAGE, encoding="utf-8")
    doc = parse_file(path)
    text = everything(doc)
    for word in CHROME:
        assert word not in text, word
    assert doc.scheme == "hanzi"
    assert [(n.id, n.title) for n in doc.nodes if n.kind in ("chapter", "section")] == [
        ("ch1", "一、总体要求"), ("ch1.s1", "（一）指导思想"), ("ch2", "二、主要目标"), ("ch3", "三、重点任务"),
        ("ch3.s1", "（一）深化工业污染治理"), ("ch3.s2", "（二）强化移动源污染防治"),
    ]
    preamble = doc.nodes[0]
    assert preamble.kind == "preamble" and preamble.title == "青山县人民政府办公室关于印发青山县大气环境保护规划的通知"
    lines = preamble.text.split("\n")
    assert lines[1:6] == [
        "索引号：11511900MB1234567X/2022-00012", "主题分类：生态环境", "发文机关：青山县人民政府办公室",
        "成文日期：2022年03月10日", "发布日期：2022年03月15日",
    ] and "发文字号：青府办发〔2022〕5号" in lines
    assert "各乡镇人民政府，县级各部门：" in lines and "青山县大气环境保护规划" in lines


def test_web_page_table_with_merged_cells(tmp_path):
    path = tmp_path / "notice.html"
    path.write_text(MODERN_PAGE, encoding="utf-8")
    rows = [dict(n.columns) for n in parse_file(path).nodes if n.kind == "row"]
    assert [r["序号"] for r in rows] == ["1", "2", "3"]
    assert rows[1] == {"序号": "2", "指标": "空气质量优良天数比率（%）", "2020年": "88.5", "2025年": "92", "属性": "约束性"}
    assert rows[2]["指标"] == "重污染天气基本消除" and rows[2]["2020年"] == "" and rows[2]["属性"] == "预期性"


def test_table_laid_out_page_in_gb2312(tmp_path):
    path = tmp_path / "old.htm"
    path.write_bytes(TABLE_LAYOUT_PAGE.encode("gb2312"))
    doc = parse_file(path)
    text = everything(doc)
    for word in ["网站首页", "您现在的位置", "站内搜索", "打印本页", "关闭窗口", "版权所有", "ICP备", "点击数"]:
        assert word not in text, word
    assert [n.title for n in doc.nodes if n.kind == "chapter"] == ["一、提高思想认识", "二、落实工作责任", "三、加强督促检查"]
    rows = [dict(n.columns) for n in doc.nodes if n.kind == "row"]
    assert [r["类别"] for r in rows] == ["综合利用", "综合利用", "合计"]
    assert [r["目标"] for r in rows] == ["60%", "20%", "92%"]
    assert doc.nodes[0].text.split("\n")[:2] == ["关于做好秸秆综合利用工作的通知", "发布日期：2021-06-01"]
    table = next(n for n in doc.nodes if n.kind == "row")
    assert table.parent == "ch2", "the table stays where the page put it"


# ------------------------------------------------------------- PDF layouts


def test_a_table_set_in_body_type_is_still_a_table(make_pdf):
    """Another typesetting of an indicator table: same type size as the text, columns by position only."""
    size = 16
    rows = [("类别", "序号", "指标名称", "2025年目标")] + [
        ("环境质量" if k == 1 else "", str(k), f"第{k}项指标名称（%）", f"{90 + k}") for k in range(1, 6)
    ]
    runs = [("第一章 主要目标", 22, 200, 80), ("专栏一 主要指标", 18, 60, 120)]
    y = 160
    for row in rows:
        runs += [(cell, size, x, y) for cell, x in zip(row, (60, 150, 210, 450), strict=True) if cell]
        y += 26
    runs += [("到2025年，全市生态环境质量持续改善，主要污染物排放总量持续减少，生态系统稳定性增强。", size, 60, y + 20)]
    doc = parse_file(make_pdf("restyled.pdf", [runs]))
    table = [n for n in doc.nodes if n.kind == "row"]
    assert [n.id for n in table] == [f"box1.r{k}" for k in range(1, 6)]
    assert dict(table[2].columns) == {"类别": "环境质量", "序号": "3", "指标名称": "第3项指标名称（%）", "2025年目标": "93"}
    assert not any(n.kind == "item" and n.title.startswith("类别") for n in doc.nodes)
    assert doc.nodes[-1].kind in ("item", "clause") and doc.nodes[-1].text.startswith("到2025年，全市")


def test_one_giant_passage_is_a_warning(make_pdf):
    """A browser print where nothing marks paragraphs: every line at the margin, one font."""
    line = "各地区各部门要坚持生态优先绿色发展推动经济社会发展全面绿色转型建设人与自然和谐共生的现代化"
    pages = [[(line, 12, 40, 60 + 16 * k) for k in range(45)] for _ in range(3)]
    doc = parse_file(make_pdf("print.pdf", pages))
    assert any("one passage holds" in w and "not recognised" in w for w in doc.warnings)
    # …and the giant passage is cut into pieces a search can still point into.
    assert len(doc.leaves()) > 1 and all(len(n.text) <= 3000 for n in doc.leaves())
    assert any("were split" in w for w in doc.warnings)


def test_pdf_digit_spacing_is_closed_in_text_but_kept_in_the_original(make_pdf):
    doc = parse_file(make_pdf("spaced.pdf", [[
        ("第一章 总体要求", 22, 200, 90),
        ("自 2019 年 1 月 1 日起施行，到 2025 年完成 860 个项目，PM2.5 浓度下降。", 16, 92, 130),
    ]]))
    clause = doc.nodes[1]
    assert clause.text == "自2019年1月1日起施行，到2025年完成860个项目，PM2.5浓度下降。"
    assert "到 2025 年" in clause.original


def test_the_notice_pdf_keeps_its_tree_and_digits(tmp_path):
    from support.paths import SHARED

    path = SHARED / "corpus-dev" / "govdoccn_397_gerenshui_xinyong.pdf"
    if not path.exists():
        pytest.skip("the shared development corpus is not here")
    doc = parse_file(path)
    assert doc.scheme == "hanzi"
    assert [n.title for n in doc.nodes if n.kind == "chapter"] == [
        "一、总体要求", "二、建立个人所得税纳税信用管理机制", "三、完善守信联合激励和失信联合惩戒机制",
        "四、加强信息安全和权益维护", "五、强化组织实施",
    ]
    assert [n.id for n in doc.nodes if n.kind == "section"][:3] == ["ch2.s1", "ch2.s2", "ch2.s3"]
    text = everything(doc)
    assert "发改办财金规〔2019〕860号" in text and "2019年1月1日起" in text
    import re

    assert not re.search(r"[\u4e00-\u9fff] \d|\d [\u4e00-\u9fff]", text)


def test_chrome_at_the_edges_of_the_body_goes_but_the_article_stays(tmp_path):
    page = MODERN_PAGE.replace(
        "<p><strong>三、重点任务</strong></p>",
        "<p><strong>三、重点任务</strong></p><p>主办单位：县生态环境局</p>",
    ).replace('<div class="content" id="zoom">', '<div class="content" id="zoom"><p>【打印本页】【关闭窗口】</p>')
    path = tmp_path / "notice.html"
    path.write_text(page, encoding="utf-8")
    text = everything(parse_file(path))
    assert "主办单位：县生态环境局" in text and "打印本页" not in text
