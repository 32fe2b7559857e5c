import pytest
import yaml

import instruments
from instruments.loader import parse_instrument

SHIPPED = ["sipas-counter", "sipas-services", "sipas-2023", "health-outpatient",
           "education-parents"]


def test_every_shipped_instrument_loads_with_both_languages():
    assert sorted(instruments.bundled()) == sorted(SHIPPED)
    for inst in instruments.bundled().values():
        for item in inst.items:
            assert item.text["vi"] and item.text["en"], item.code
        for node in inst.nodes():
            assert abs(sum(node.coefficients.values()) - 1) < 1e-12, (inst.id, node.code)


def test_counter_form_needs_at_most_ten_taps():
    counter = instruments.get("sipas-counter")
    required_taps = [i for i in counter.items if i.required and i.type != "text"]
    assert len(required_taps) <= 10
    factors = [n.code for n in counter.index.children]
    assert factors == ["5", "6", "7", "8", "9"]


def test_sipas_services_carries_the_legacy_par_points():
    services = instruments.get("sipas-services")
    points = {n.code: n.max_points for n in services.index.children}
    assert points == {"5": 1.5, "6": 1.5, "7": 2.5, "8": 2.5, "9": 2}
    assert sum(points.values()) == 10
    assert sum(1 for i in services.scored_items if i.code != "overall") == 20


def test_sipas_2023_aspects_pool_items_and_total_is_mean_of_aspects():
    sipas = instruments.get("sipas-2023")
    nodes = {n.code: n for n in sipas.nodes()}
    policy, services = nodes["I"], nodes["II"]
    assert len(policy.item_codes()) == 18 and len(services.item_codes()) == 20
    # pooled: every policy item weighs 1/18 in aspect I, so factor 4 (9 items) weighs half
    assert policy.coefficients["pr_water"] == pytest.approx(1 / 18)
    assert sum(policy.coefficients[c] for c in nodes["4"].items) == pytest.approx(0.5)
    assert nodes["total"].coefficients["pa1"] == pytest.approx(0.5 / 18)
    assert nodes["total"].coefficients["a1"] == pytest.approx(0.5 / 20)
    assert nodes["total"].max_points == 10
    assert [c.code for c in policy.children] == ["1", "2", "3", "4"]


def test_weighted_rule_combines_children_by_weight():
    raw = minimal()
    raw["index"] = {"code": "t", "name": NAME, "rule": "weighted", "weights": [3, 1], "children": [
        {"code": "a", "name": NAME, "items": ["q1"]},
        {"code": "b", "name": NAME, "items": ["q2"]}]}
    inst = parse_instrument(raw)
    assert inst.index.coefficients == {"q1": 0.75, "q2": 0.25}


NAME = {"vi": "Tên", "en": "Name"}


def minimal():
    return {
        "id": "demo", "version": 1, "title": NAME,
        "sections": [{"items": [
            {"code": "q1", "text": NAME}, {"code": "q2", "text": NAME}]}],
        "index": {"code": "t", "name": NAME, "items": ["q1", "q2"]},
    }


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["sections"][0]["items"].append({"code": "q1", "text": NAME}),
     "item 'q1' is defined twice"),
    (lambda r: r["sections"][0]["items"][0].update(type="slider"),
     "item 'q1': type 'slider' is not one of"),
    (lambda r: r["sections"][0]["items"][0].update(text={"vi": "Chỉ tiếng Việt"}),
     "item 'q1': 'text' needs both 'vi' and 'en'"),
    (lambda r: r["index"].update(items=["q1", "q9"]),
     "index node 't': item 'q9' is not a 5-level item"),
    (lambda r: r["index"].update(children=[{"code": "x", "name": NAME, "items": ["q1"]}]),
     "give either 'items' or 'children'"),
    (lambda r: r["index"].update(max_points=-1), "'max_points' must be a positive number"),
    (lambda r: r.update(version=0), "'version' must be a positive integer"),
    (lambda r: r["sections"][0]["items"][0].update(code="Q 1"), "item code 'Q 1' must be"),
    (lambda r: r["sections"][0]["items"].append(
        {"code": "q3", "type": "choice", "text": NAME, "options": [{"value": 1, "label": NAME}]}),
     "item 'q3': a 'choice' item needs at least two options"),
    (lambda r: r.update(profile=["income"]), "profile field 'income' is not one of"),
])
def test_schema_errors_name_the_item_and_the_problem(change, message):
    raw = minimal()
    change(raw)
    with pytest.raises(instruments.InstrumentError, match="bad.yaml") as info:
        parse_instrument(raw, where="bad.yaml")
    assert message in str(info.value)


def test_a_broken_file_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\ntitle: {vi: a, en: b\n", encoding="utf-8")
    with pytest.raises(instruments.InstrumentError, match=r"(?s)broken.yaml: is not valid YAML.*line"):
        instruments.load_file(path)


def test_get_accepts_a_yaml_path_and_refuses_unknown_ids(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(minimal(), allow_unicode=True), encoding="utf-8")
    assert instruments.get(str(path)).id == "demo"
    with pytest.raises(instruments.InstrumentError, match="unknown instrument 'nope'.*sipas-2023"):
        instruments.get("nope")


def test_digest_changes_with_the_wording():
    a = parse_instrument(minimal())
    raw = minimal()
    raw["sections"][0]["items"][0]["text"] = {"vi": "Khác", "en": "Other"}
    assert instruments.digest(a) != instruments.digest(parse_instrument(raw))
    assert instruments.digest(a) == instruments.digest(parse_instrument(minimal()))


@pytest.mark.parametrize(("ident", "code", "lang", "full_text"), [
    ("sipas-2023", "c3", "vi", "Công chức trả lời, giải thích đầy đủ các ý kiến"),
    ("sipas-2023", "f2", "vi", "Góp ý, phản ánh được tiếp nhận, xử lý tích cực"),
    ("sipas-services", "c5", "vi", "Công chức tuân thủ đúng quy định, không gây phiền hà"),
    ("sipas-services", "f1", "vi", "Có hình thức tiếp nhận góp ý, phản ánh, kiến nghị"),
    ("health-outpatient", "c3", "vi", "Khuôn viên bệnh viện sạch sẽ, an toàn"),
])
def test_shipped_wording_is_not_cut_at_a_comma(ident, code, lang, full_text):
    assert instruments.get(ident).item(code).text[lang] == full_text


def test_shipped_option_labels_are_whole():
    would_return = instruments.get("health-outpatient").item("would_return")
    assert would_return.options[-1].label == {
        "vi": "Chắc chắn quay lại hoặc giới thiệu người khác",
        "en": "Certainly, and I would recommend it"}


@pytest.mark.parametrize(("line", "message"), [
    ("{vi: Công chức trả lời, giải thích đầy đủ, en: The officer answered}",
     "keys other than 'vi' and 'en' (giải thích đầy đủ)"),
    ("{vi: Có, en: Yes}", "'text' en is True, not text"),
    ("{vi: Câu hỏi, en: }", "'text' needs both 'vi' and 'en'"),
])
def test_an_unquoted_text_is_refused_naming_file_and_item(tmp_path, line, message):
    path = tmp_path / "cut.yaml"
    path.write_text(
        "id: cut\nversion: 1\ntitle: {vi: Tên, en: Name}\nsections:\n  - items:\n"
        f"      - code: q1\n        text: {line}\n"
        "index: {code: t, name: {vi: Tên, en: Name}, items: [q1]}\n", encoding="utf-8")
    with pytest.raises(instruments.InstrumentError, match="cut.yaml: item 'q1'") as info:
        instruments.load_file(path)
    assert message in str(info.value)


def test_an_index_name_cut_at_a_comma_is_refused():
    raw = minimal()
    raw["index"]["name"] = {"vi": "Tiếp nhận", "xử lý phản ánh": None, "en": "Feedback"}
    with pytest.raises(instruments.InstrumentError, match="index node 't': 'name' has keys"):
        parse_instrument(raw, where="bad.yaml")


def test_a_sensitive_item_is_optional_and_cannot_be_made_required():
    raw = minimal()
    raw["sections"][0]["items"].append({"code": "money", "type": "yesno", "text": NAME,
                                        "sensitive": True})
    money = parse_instrument(raw).item("money")
    assert money.sensitive and not money.required
    raw["sections"][0]["items"][-1]["required"] = True
    with pytest.raises(instruments.InstrumentError, match="item 'money': a 'sensitive' item"):
        parse_instrument(raw, where="bad.yaml")


def test_the_shipped_question_on_extra_money_is_sensitive():
    extra = instruments.get("sipas-counter").item("extra_request")
    assert extra.sensitive and not extra.required
