"""What citizens wrote, for a unit and period: frequent words and phrases, overall and
after a low rating, and the themes staff follow (analysis/text.py does the words).

Comments marked abusive are left out; every example shown has personal data masked.
"""
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from analysis import text
from survey_app.extensions import db
from survey_app.models import Comment, CommentStatus, CommentTheme, Response, Unit
from survey_app.models.response import COMMENT_OF_RESPONSE
from survey_app.services import instrument_store, packing
from survey_app.services.feedback import mask_personal, scored_item_codes

#: The themes a unit follows until its staff write their own (or a parent unit's).
DEFAULT_THEMES = (
    ("Thái độ phục vụ", "thái độ, nhiệt tình, lịch sự, niềm nở, thân thiện, cáu gắt, "
                        "hách dịch, khó chịu, quát, gây khó dễ"),
    ("Chậm hẹn, chờ đợi", "chậm, trễ hẹn, chậm hẹn, quá hạn, trễ, chờ đợi, chờ lâu, "
                          "đợi lâu, chờ, lâu, xếp hàng"),
    ("Phí, tiền ngoài quy định", "phí, lệ phí, tiền, bồi dưỡng, phong bì, tiêu cực, "
                                 "chi phí"),
    ("Hồ sơ, thủ tục", "hồ sơ, giấy tờ, bổ sung, rườm rà, phức tạp, thủ tục"),
    ("Đi lại nhiều lần", "đi lại, nhiều lần, mấy lần, lần thứ"),
    ("Cơ sở vật chất", "ghế, chỗ ngồi, máy lạnh, điều hòa, quạt, chỗ để xe, bãi xe, nóng, "
                       "chật, nhà vệ sinh, wifi, máy lấy số"),
    ("Dịch vụ công trực tuyến", "trực tuyến, online, dịch vụ công, cổng dịch vụ, phần mềm, "
                                "lỗi mạng, nộp qua mạng"),
    ("Khen ngợi", "cảm ơn, +nhanh chóng, +chu đáo, +tận tình, +nhiệt tình, +hài lòng, +tốt"),
)

#: Comments read for one analysis: the newest, so that a page stays quick.
LIMIT = 20000
#: Terms and phrases listed in each table.
TOP = 15
#: An answer at or below this on a 1–5 item is a low rating.
LOW = 2


@dataclass(frozen=True)
class ThemeCount:
    theme: text.Theme
    comments: int
    low: int               # of them, after a low rating
    by_month: dict         # "2026-03" -> comments
    examples: tuple        # comment indices


@dataclass(frozen=True)
class FactorWords:
    label: str
    comments: int          # comments after a low rating of this factor
    terms: list


@dataclass(frozen=True)
class CommentAnalysis:
    texts: list            # masked, for the examples
    dates: list
    low: set               # indices of comments after a low rating of any factor
    terms: list
    phrases: list
    low_terms: list
    low_phrases: list
    factors: list
    themes: list
    months: list
    theme_source: str      # "unit", "parent" or "default"
    truncated: bool

    @property
    def total(self):
        return len(self.texts)


def themes_for(unit):
    """(themes, source): the unit's own themes, else its nearest ancestor's, else the
    defaults."""
    ancestors = [int(i) for i in unit.path.strip("/").split("/")]
    rows = db.session.scalars(sa.select(CommentTheme).where(CommentTheme.unit_id.in_(ancestors))
                              .order_by(CommentTheme.name)).all()
    for unit_id in reversed(ancestors):
        own = [t for t in rows if t.unit_id == unit_id]
        if own:
            return ([text.Theme(t.name, text.parse_keywords(t.keywords)) for t in own],
                    "unit" if unit_id == unit.id else "parent")
    return [text.Theme(name, text.parse_keywords(words)) for name, words in DEFAULT_THEMES], \
        "default"


def load(scope, period):
    """[(comment id, text, submitted_at, response id)], newest first, at most LIMIT + 1."""
    where = [Unit.path.startswith(scope.path), Comment.status != CommentStatus.ABUSIVE]
    if period is not None:
        where += [Response.submitted_at >= period.start, Response.submitted_at < period.end]
    return db.session.execute(
        sa.select(Comment.id, Comment.text, Response.submitted_at, Response.id)
        .join(Response, COMMENT_OF_RESPONSE)
        .join(Unit, Unit.id == Response.unit_id).where(*where)
        .order_by(Response.submitted_at.desc(), Comment.id.desc()).limit(LIMIT + 1)).all()


def low_ratings(response_ids):
    """{response id: {item codes rated 1–2}} for 5-level items."""
    found = {}
    codes = scored_item_codes()
    ids = list(response_ids)
    for start in range(0, len(ids), 5000):  # bounded IN lists
        rows = db.session.execute(
            sa.select(Response.id, Response.instrument_version_id, Response.answer_codes)
            .where(Response.id.in_(ids[start:start + 5000]), packing.answered()))
        for response_id, version_id, packed in rows:
            low = {code for code, value in
                   packing.unpack(packing.slots_of_version(version_id), packed).items()
                   if code in codes and value is not None and 1 <= value <= LOW}
            if low:
                found.setdefault(response_id, set()).update(low)
    return found


def item_labels(lang):
    """{item code: question text} over the stored questionnaires (first one wins)."""
    from survey_app.models import Instrument

    labels = {}
    for code in db.session.scalars(sa.select(Instrument.code).order_by(Instrument.code)):
        current = instrument_store.current_version(code)
        if current is not None:
            for item in current[1].scored_items:
                labels.setdefault(item.code, item.label(lang))
    return labels


def analyse(scope, period, lang="vi"):
    rows = load(scope, period)
    truncated = len(rows) > LIMIT
    rows = rows[:LIMIT]
    raw = [r[1] for r in rows]
    low_by_response = low_ratings({r[3] for r in rows})
    lows = [low_by_response.get(r[3], set()) for r in rows]
    low = {i for i, codes in enumerate(lows) if codes}
    words = text.words_of(raw)
    term_bags = [text.terms(w) for w in words]
    phrase_bags = [text.phrases(w) for w in words]
    labels = item_labels(lang)
    per_factor = Counter(code for codes in lows for code in codes)
    factors = [FactorWords(labels.get(code, code), n, text.most_frequent(
        term_bags, top=8, among={i for i, codes in enumerate(lows) if code in codes}))
        for code, n in sorted(per_factor.items(), key=lambda kv: (-kv[1], kv[0]))]
    themes, source = themes_for(scope)
    months = sorted({r[2].strftime("%Y-%m") for r in rows})
    counted = []
    for theme, found in zip(themes, text.themed(raw, themes).values(), strict=True):
        by_month = Counter(rows[i][2].strftime("%Y-%m") for i in found)
        counted.append(ThemeCount(theme, len(found), sum(1 for i in found if i in low),
                                  dict(by_month), text.distinct(found, raw)))
    counted.sort(key=lambda t: (-t.comments, t.theme.name))
    return CommentAnalysis(
        texts=[mask_personal(t) for t in raw], dates=[r[2] for r in rows], low=low,
        terms=text.most_frequent(term_bags, TOP, texts=raw),
        phrases=text.most_frequent(phrase_bags, TOP, texts=raw),
        low_terms=text.most_frequent(term_bags, TOP, among=low, texts=raw),
        low_phrases=text.most_frequent(phrase_bags, TOP, among=low, texts=raw),
        factors=factors, themes=counted, months=months, theme_source=source,
        truncated=truncated)


def save_theme(unit, name, keywords, theme=None):
    """Add a theme to ``unit`` (or change ``theme``); returns it."""
    theme = theme or CommentTheme(unit_id=unit.id)
    theme.name, theme.keywords = name.strip(), ", ".join(text.parse_keywords(keywords))
    db.session.add(theme)
    return theme


def copy_defaults(unit):
    """Give ``unit`` its own editable copy of the themes it follows now."""
    themes, _source = themes_for(unit)
    for theme in themes:
        db.session.add(CommentTheme(unit_id=unit.id, name=theme.name,
                                    keywords=", ".join(theme.keywords)))
    return themes
