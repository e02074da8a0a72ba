"""ID numbers (GB 11643): the check character, and redaction wherever a number stands."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from state_machines.identifiers import id_number_check_character, id_number_problem, is_id_number, redact_id_numbers

GONE = "[身份证号已删除]"
DIGITS = "0123456789０１２３４５６７８９"
REDACTION = settings(derandomize=True, max_examples=200, deadline=None, database=None)


@st.composite
def id_numbers(draw) -> str:
    region = draw(st.sampled_from(["150602", "110105", "440305", "650102"]))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    first17 = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + id_number_check_character(first17)


def test_the_check_character_follows_iso_7064_mod_11_2() -> None:
    assert id_number_check_character("15060219900101620") == "7"
    assert id_number_check_character("11010519491231002") == "X"
    assert id_number_problem("150602199001016207") is None
    assert id_number_problem("150602199001016208") is not None
    assert id_number_problem("١٥٠٦٠٢199001016207") is not None  # other scripts' digits are not digits here


def test_an_id_number_next_to_chinese_text_is_redacted() -> None:
    """The old pattern used \\b, which never fires between a CJK character and a digit."""
    assert redact_id_numbers("李某（身份证150602199001016207）") == f"李某（身份证{GONE}）"
    assert redact_id_numbers("身份证号11010519491231002x。") == f"身份证号{GONE}。"
    assert redact_id_numbers("旧证150602900101620号") == f"旧证{GONE}号"
    assert redact_id_numbers("全角１５０６０２１９９００１０１６２０７") == f"全角{GONE}"


def test_numbers_that_are_not_id_numbers_stay() -> None:
    for text in ("订单号12150602199001016207", "150602199001016208", "罚款20000元", "编号123456789012345",
                 "150602901301620"):  # 15 digits whose "birth date" is the 13th month
        assert redact_id_numbers(text) == text


@REDACTION
@given(number=id_numbers(), before=st.text(max_size=8), after=st.text(max_size=8))
def test_every_valid_id_number_is_redacted_wherever_it_stands(number: str, before: str, after: str) -> None:
    text = before + number + after
    redacted = redact_id_numbers(text)
    if (before[-1:] or "x") in DIGITS or (after[:1] or "x") in DIGITS:
        return  # part of a longer digit run: a different number
    assert number not in redacted
    assert is_id_number(number)
