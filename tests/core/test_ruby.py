from core.ruby import aozora_to_ruby_html, ruby_text, strip_ruby_notation


def test_explicit_aozora_notation_becomes_ruby_with_fallback_parentheses():
    assert aozora_to_ruby_html("<p>｜孤独《こどく》な気持ち</p>") == (
        "<p><ruby>孤独<rp>(</rp><rt>こどく</rt><rp>)</rp></ruby>な気持ち</p>"
    )


def test_implicit_notation_takes_the_run_of_kanji_before_the_reading():
    assert aozora_to_ruby_html("友だちに相談《そうだん》する") == (
        "友だちに<ruby>相談<rp>(</rp><rt>そうだん</rt><rp>)</rp></ruby>する"
    )


def test_plain_text_is_escaped_before_ruby_is_added():
    assert str(ruby_text("<b>｜信頼《しんらい》</b>")) == (
        "&lt;b&gt;<ruby>信頼<rp>(</rp><rt>しんらい</rt><rp>)</rp></ruby>&lt;/b&gt;"
    )


def test_notation_can_be_stripped_for_titles_and_search():
    assert strip_ruby_notation("｜悩《なや》みを｜相談《そうだん》") == "悩みを相談"


def test_text_without_notation_is_unchanged():
    assert aozora_to_ruby_html("<p>《》だけ</p>") == "<p>《》だけ</p>"
