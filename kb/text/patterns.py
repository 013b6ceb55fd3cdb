"""The heading families of Chinese plans, each defined once.

第X篇/第X部分/第X章/第X节, 专栏 boxes, 前言, 第X条, and the numbered markers
一、 （一） 1. （1）.  Every module that needs to recognise or strip a heading
number imports it from here.
"""

from __future__ import annotations

import re

CN_NUM = "一二三四五六七八九十百零〇两"
RE_CHAPTER = re.compile(rf"^第([{CN_NUM}\d]+)章\s*(.*)$")
RE_SECTION = re.compile(rf"^第([{CN_NUM}\d]+)节\s*(.*)$")
RE_ARTICLE = re.compile(rf"^第([{CN_NUM}\d]+)条\s*(.*)$", re.S)
RE_BOX = re.compile(rf"^专栏\s*([{CN_NUM}\d]+)\s*(.*)$")
RE_FOREWORD = re.compile(r"^(前\s*言|序\s*言|引\s*言)$")
RE_HEADING_ANY = re.compile(
    rf"^(第[{CN_NUM}\d]+[章节]|专栏\s*[{CN_NUM}\d]+|前\s*言$|[{CN_NUM}]+、|（[{CN_NUM}]+）)"
)
#: A paragraph that opens with its own number (一、 （一） 1. （1） 第X条): never a continuation.
RE_NUMBERED = re.compile(
    rf"^(?:第[{CN_NUM}\d]+[章节条]|[{CN_NUM}]+、|[（(][{CN_NUM}\d]{{1,3}}[）)]|\d{{1,2}}[.．、](?!\d))"
)

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

RE_HANZI_1 = re.compile(rf"^([{CN_NUM}]+)、(.*)$", re.S)
RE_HANZI_2 = re.compile(rf"^[（(]([{CN_NUM}]+)[）)](.*)$", re.S)
RE_ARABIC_1 = re.compile(r"^(\d{1,2})[.．、](?!\d)(.*)$", re.S)
RE_ARABIC_2 = re.compile(r"^[（(](\d{1,2})[）)](.*)$", re.S)
#: The number a paragraph opens with, as printed: 一、 （一） 1. （1）.
RE_MARKER = re.compile(rf"^\s*(?:[{CN_NUM}]+、|[（(][{CN_NUM}\d]{{1,3}}[）)]|\d{{1,2}}[.．、](?!\d))")


def cn2int(s: str) -> int:
    """Chinese or Arabic numeral to int: 十二 → 12, 二十一 → 21, 7 → 7."""
    if s.isdigit():
        return int(s)
    total, num = 0, 0
    for ch in s:
        if ch == "十":
            total += (num or 1) * 10
            num = 0
        elif ch == "百":
            total += (num or 1) * 100
            num = 0
        else:
            num = _DIGITS.get(ch, 0)
    return total + num


_NUMBER_PREFIX = re.compile(rf"^(?:第[{CN_NUM}\d]+[章节]|专栏\s*[{CN_NUM}\d]+)\s*")


def strip_heading_number(title: str) -> str:
    """A heading without its number: 第六章 加强生态保护 → 加强生态保护; 专栏五 … → …."""
    return _NUMBER_PREFIX.sub("", title)
