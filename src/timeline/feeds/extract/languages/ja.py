"""Japanese: event wordings, dates (era dates such as 令和7年10月1日, 来月15日, 本日),
genre marks in 【】.  Told apart by its kana, not by function words; no word
boundaries, so its patterns are bare."""

from __future__ import annotations

import re

from timeline.feeds.extract.languages import date_readers as read
from timeline.feeds.extract.languages.base import (
    DateContext,
    Language,
    NameWords,
    PlaceWords,
    Structure,
    trigger,
)

# The year before each era's first: 令和1年 is 2019.
_ERAS = {"令和": 2018, "平成": 1988}
_MONTH_DAY = r"(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?"


def _era_parts(match: re.Match[str]) -> read.Parts:
    year = _ERAS[match["era"]] + (read.number(match, "ey") or 1)
    return read.Parts(year, read.number(match, "m"), read.number(match, "d"))


_DATES: tuple[read.DatePattern, ...] = (
    (
        re.compile(rf"(?P<era>令和|平成)(?P<ey>\d{{1,2}}|元)年{_MONTH_DAY}"),
        read.absolute(_era_parts),
    ),
    (
        re.compile(rf"(?P<y>(?:19|20)\d{{2}})年(?!度){_MONTH_DAY}"),
        read.absolute(read.numeric_parts),
    ),
    (
        re.compile(r"(?P<rel>来年|今年|本年|昨年|去年|年内|来春|来秋)" + _MONTH_DAY),
        read.relative_year(
            {
                "来年": 1,
                "今年": 0,
                "本年": 0,
                "昨年": -1,
                "去年": -1,
                "年内": 0,
                "来春": 1,
                "来秋": 1,
            }
        ),
    ),
    (
        re.compile(r"(?P<rel>来月|今月|先月)(?:(?P<d>\d{1,2})日)?"),
        read.relative_month({"来月": 1, "今月": 0, "先月": -1}),
    ),
    (
        re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?"),
        read.absolute(read.numeric_parts),
    ),
    (re.compile(r"(?<![\d月年])(?P<d>\d{1,2})日(?!間)"), read.day_of_anchor_month),
    (
        re.compile(r"(?P<rel>本日|今日|昨日|明日)"),
        read.relative_day({"本日": 0, "今日": 0, "昨日": -1, "明日": 1}),
    ),
)

LANGUAGE = Language(
    code="ja",
    function_words=re.compile(r"[\u3040-\u309f]{2}"),
    triggers=(
        # An amendment bill (改正案) is a proposal until it passes.
        trigger("instrument.amended", r"改正(?!案)|延期|改定"),
        trigger("instrument.repealed", r"廃止|撤回"),
        trigger("membership.joined", r"加盟|加入|批准"),
        trigger(
            "agreement.signed", r"覚書|共同声明|共同宣言|協力イニシアティブ|協定に署名|署名|締結"
        ),
        trigger(
            "instrument.in_force", r"施行(?!令|規則|細則)|発効|適用開始|(?:から|より)適用|適用され"
        ),
        trigger(
            "instrument.proposed",
            r"案を[^。、]{0,10}?(?:公表|発表|提出|公開|まとめ)|改正案|草案|法案|意見募集|"
            r"パブリックコメント",
        ),
        trigger("instrument.adopted", r"成立|可決|制定|公布|閣議決定|採択|(?:を|が)決定"),
        trigger("body.established", r"設立|設置|発足|創設|新設"),
        trigger(
            "meeting.held", r"首脳会談|首脳会議|サミット|閣僚会合|大臣会合|会談|会合|で開催|を開催"
        ),
        trigger("office.opened", r"(?:拠点|事務所|オフィス|研究所)を?開設"),
        trigger("investment.announced", r"投資|出資"),
        trigger("metric.reported", r"統計|調査結果|指数|ランキング"),
        trigger("instrument.adopted", r"発表|公表", weak=True),
    ),
    # A meeting named as the place of what it concluded ("会合で…採択"); the
    # predicate ends its clause.
    structure=Structure(
        adjunct_after=re.compile(
            # "の" after a wording makes it attributive ("来年4月施行のAI法": the
            # law that takes effect), not the clause's predicate.
            r"^(?:で(?!開催)|に先立|を前に|に合わせ|の|後に|に際し)"
        ),
        verb_final=True,
    ),
    names=NameWords(
        noun_phrase=re.compile(
            r"[\u30a0-\u30ffA-Za-z0-9\u4e00-\u9fff]{2,30}?(?:基本法|法|計画|戦略|指針|ガイドライン|"
            r"本部|会議|協定|覚書|パートナーシップ)"
        )
    ),
    place_words=PlaceWords(
        coordinator=r"と|・|及び|および",
        host_after=r"で開催|で|にて|に",
        company_after=r"企業|社|系",
    ),
    # All of them after the other languages' (a Japanese date is digits and
    # kanji, which no other pattern reads).
    late_date_patterns=_DATES,
    date_context=DateContext(future=r"予定", until_after=r"まで|迄"),
    non_event_title=re.compile(
        r"【(?:解説|コラム|お知らせ|告知|寄稿|インタビュー|PR|広告|求人|連載|特集|論説|社説|"
        r"オピニオン|視点|分析|イベント)】|(?:参加者|職員)?募集(?:のお知らせ|について)|参加者募集",
        re.IGNORECASE,
    ),
    non_event_body=re.compile(r"配信を休止|お申し込み"),
    correction_title=re.compile(r"^\s*(?:訂正|【訂正】)"),
    unchanged=re.compile(r"変更はない|変わらない"),
    updated_object=re.compile(r"改定版|改訂版"),
    government=re.compile(r"政府|閣議|国会|内閣|府省庁|各省"),
    government_channel=re.compile(r"省|庁|内閣|政府|本部事務局|事務局"),
)
